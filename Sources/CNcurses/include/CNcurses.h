#ifndef CNCURSES_H
#define CNCURSES_H
/* The bridge to ncursesw, loaded with dlopen when the dashboard opens its screen: the timer's
 * check never draws, and linking curses made it load libncursesw and libtinfo at every start.
 * Every curses call the dashboard makes goes through a cn_ function here; the header's own
 * declarations are only for the types (calling one would not link). */
#define NCURSES_WIDECHAR 1
#include <langinfo.h>
#include <locale.h>
#include <ncursesw/curses.h>

/* The library, as Debian's libncursesw6 installs it (the package depends on it). */
#define CN_LIBRARY "libncursesw.so.6"

/* Loads the library once. NULL when it is ready, else what went wrong (dlerror's words). */
const char *cn_load(void);

SCREEN *cn_newterm(const char *type, FILE *output, FILE *input);
SCREEN *cn_set_term(SCREEN *screen);
int cn_raw(void);
int cn_noecho(void);
int cn_keypad(WINDOW *window, bool on);
int cn_nodelay(WINDOW *window, bool on);
int cn_set_escdelay(int milliseconds);
int cn_curs_set(int visibility);
bool cn_has_colors(void);
int cn_start_color(void);
int cn_use_default_colors(void);
int cn_init_pair(short pair, short foreground, short background);
int cn_wattrset(WINDOW *window, int attributes);
int cn_mvwaddnwstr(WINDOW *window, int row, int column, const wchar_t *text, int count);
int cn_wnoutrefresh(WINDOW *window);
int cn_doupdate(void);
int cn_clearok(WINDOW *window, bool on);
int cn_wget_wch(WINDOW *window, wint_t *character);
int cn_endwin(void);
void cn_delscreen(SCREEN *screen);
WINDOW *cn_stdscr(void);
int cn_getmaxy(WINDOW *window);
int cn_getmaxx(WINDOW *window);

/* Macros Swift cannot import, as functions. */
static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_dim(void) { return A_DIM; }
static inline attr_t cn_color_pair(short pair) { return COLOR_PAIR(pair); }
static inline int cn_key_f(int n) { return KEY_F(n); }
#endif
