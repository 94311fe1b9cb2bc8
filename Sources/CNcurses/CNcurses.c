#include "CNcurses.h"

#include <dlfcn.h>
#include <stdio.h>

/* Each function as the header declares it; the fields are named p_ so that curses' macros of
 * the same names (getmaxx, wattrset, ...) are not expanded where they are called. */
static struct {
  __typeof__(newterm) *p_newterm;
  __typeof__(set_term) *p_set_term;
  __typeof__(raw) *p_raw;
  __typeof__(noecho) *p_noecho;
  __typeof__(keypad) *p_keypad;
  __typeof__(nodelay) *p_nodelay;
  __typeof__(set_escdelay) *p_set_escdelay;
  __typeof__(curs_set) *p_curs_set;
  __typeof__(has_colors) *p_has_colors;
  __typeof__(start_color) *p_start_color;
  __typeof__(use_default_colors) *p_use_default_colors;
  __typeof__(init_pair) *p_init_pair;
  __typeof__(wattrset) *p_wattrset;
  __typeof__(mvwaddnwstr) *p_mvwaddnwstr;
  __typeof__(wnoutrefresh) *p_wnoutrefresh;
  __typeof__(doupdate) *p_doupdate;
  __typeof__(clearok) *p_clearok;
  __typeof__(wget_wch) *p_wget_wch;
  __typeof__(endwin) *p_endwin;
  __typeof__(delscreen) *p_delscreen;
  __typeof__(getmaxy) *p_getmaxy;
  __typeof__(getmaxx) *p_getmaxx;
  WINDOW **p_stdscr;
} cn;

/* The dashboard opens its screen from one thread, once; no lock. */
static int loaded;
static char failure[512];

const char *cn_load(void) {
  if (loaded) return NULL;
  /* RTLD_LOCAL: nothing else in the process should bind to curses by accident. */
  void *library = dlopen(CN_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    snprintf(failure, sizeof failure, "%s", dlerror());
    return failure;
  }
#define CN_FIND(name)                                                                          \
  if ((*(void **)&cn.p_##name = dlsym(library, #name)) == NULL) {                               \
    snprintf(failure, sizeof failure, "%s has no %s", CN_LIBRARY, #name);                       \
    dlclose(library);                                                                           \
    return failure;                                                                             \
  }
  CN_FIND(newterm)
  CN_FIND(set_term)
  CN_FIND(raw)
  CN_FIND(noecho)
  CN_FIND(keypad)
  CN_FIND(nodelay)
  CN_FIND(set_escdelay)
  CN_FIND(curs_set)
  CN_FIND(has_colors)
  CN_FIND(start_color)
  CN_FIND(use_default_colors)
  CN_FIND(init_pair)
  CN_FIND(wattrset)
  CN_FIND(mvwaddnwstr)
  CN_FIND(wnoutrefresh)
  CN_FIND(doupdate)
  CN_FIND(clearok)
  CN_FIND(wget_wch)
  CN_FIND(endwin)
  CN_FIND(delscreen)
  CN_FIND(getmaxy)
  CN_FIND(getmaxx)
  CN_FIND(stdscr)
#undef CN_FIND
  loaded = 1;
  return NULL;
}

SCREEN *cn_newterm(const char *type, FILE *output, FILE *input) { return cn.p_newterm(type, output, input); }
SCREEN *cn_set_term(SCREEN *screen) { return cn.p_set_term(screen); }
int cn_raw(void) { return cn.p_raw(); }
int cn_noecho(void) { return cn.p_noecho(); }
int cn_keypad(WINDOW *window, bool on) { return cn.p_keypad(window, on); }
int cn_nodelay(WINDOW *window, bool on) { return cn.p_nodelay(window, on); }
int cn_set_escdelay(int milliseconds) { return cn.p_set_escdelay(milliseconds); }
int cn_curs_set(int visibility) { return cn.p_curs_set(visibility); }
bool cn_has_colors(void) { return cn.p_has_colors(); }
int cn_start_color(void) { return cn.p_start_color(); }
int cn_use_default_colors(void) { return cn.p_use_default_colors(); }
int cn_init_pair(short pair, short foreground, short background) {
  return cn.p_init_pair(pair, foreground, background);
}
int cn_wattrset(WINDOW *window, int attributes) { return cn.p_wattrset(window, attributes); }
int cn_mvwaddnwstr(WINDOW *window, int row, int column, const wchar_t *text, int count) {
  return cn.p_mvwaddnwstr(window, row, column, text, count);
}
int cn_wnoutrefresh(WINDOW *window) { return cn.p_wnoutrefresh(window); }
int cn_doupdate(void) { return cn.p_doupdate(); }
int cn_clearok(WINDOW *window, bool on) { return cn.p_clearok(window, on); }
int cn_wget_wch(WINDOW *window, wint_t *character) { return cn.p_wget_wch(window, character); }
int cn_endwin(void) { return cn.p_endwin(); }
void cn_delscreen(SCREEN *screen) { cn.p_delscreen(screen); }
WINDOW *cn_stdscr(void) { return *cn.p_stdscr; }
int cn_getmaxy(WINDOW *window) { return cn.p_getmaxy(window); }
int cn_getmaxx(WINDOW *window) { return cn.p_getmaxx(window); }
