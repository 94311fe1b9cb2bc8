import CNcurses

#if canImport(Glibc)
  import Glibc
#endif

/// Why the dashboard cannot open its screen; one line for the operator.
struct ScreenError: Error, CustomStringConvertible {
  let description: String
}

/// The terminal, through ncurses. The only file that talks to curses: everything else draws
/// into a `Grid`, and this flushes it, sending only the cells that changed (curses then sends
/// only what the terminal does not show yet).
final class CursesScreen {
  private let screen: OpaquePointer
  private var previous: Grid?
  let glyphs: Glyphs
  let hasColour: Bool

  /// Opens the screen on stdin/stdout.
  /// - Throws: `ScreenError` when ncurses cannot be loaded, stdout is not a terminal or TERM is
  ///   unknown, before touching the terminal (`newterm` reports that; `initscr` would exit).
  init() throws {
    if let failure = cn_load() {
      throw ScreenError(
        description:
          "the dashboard cannot load ncurses (\(String(cString: failure))); install it: apt-get install libncursesw6 (checks run without it)"
      )
    }
    guard isatty(1) == 1, isatty(0) == 1 else {
      throw ScreenError(
        description:
          "the dashboard needs a terminal, but stdin or stdout is not one; run it in an SSH session or tmux, not through a pipe (for scripts use `check`)"
      )
    }
    setlocale(LC_ALL, "")
    let unicode = String(cString: nl_langinfo(nl_item(CODESET))) == "UTF-8"
    let term = getenv("TERM").map { String(cString: $0) } ?? ""
    guard !term.isEmpty, let output = fdopen(1, "w"), let input = fdopen(0, "r"),
      let opened = cn_newterm(nil, output, input)
    else {
      throw ScreenError(
        description:
          "unknown terminal type TERM='\(term)'; set TERM to one this system knows, e.g. TERM=xterm-256color or TERM=vt100"
      )
    }
    screen = opened
    cn_set_term(opened)
    cn_raw()  // Ctrl-C arrives as a key and quits cleanly, restoring the terminal
    cn_noecho()
    cn_keypad(cn_stdscr(), true)
    cn_nodelay(cn_stdscr(), true)
    cn_set_escdelay(25)
    cn_curs_set(0)
    hasColour = cn_has_colors() && getenv("NO_COLOR") == nil
    if hasColour {
      cn_start_color()
      cn_use_default_colors()
      cn_init_pair(1, Int16(COLOR_GREEN), -1)
      cn_init_pair(2, Int16(COLOR_YELLOW), -1)
      cn_init_pair(3, Int16(COLOR_RED), -1)
      cn_init_pair(4, Int16(COLOR_CYAN), -1)
    }
    glyphs = unicode ? .unicode : .ascii
  }

  /// Columns and rows now.
  var size: (width: Int, height: Int) {
    (Int(cn_getmaxx(cn_stdscr())), Int(cn_getmaxy(cn_stdscr())))
  }

  /// Shows `grid`, writing only the cells that differ from the last frame.
  func draw(_ grid: Grid) {
    let changes = grid.changes(since: previous)
    guard !changes.isEmpty else { return }
    let window = cn_stdscr()
    // Each run as wide characters: curses would otherwise decode UTF-8 byte by byte.
    var run: [wchar_t] = []
    run.reserveCapacity(grid.width * 2)
    for change in changes {
      run.removeAll(keepingCapacity: true)
      for cell in change.cells {
        run.append(wchar_t(bitPattern: cell.scalar.value))
        if cell.mark != 0 { run.append(wchar_t(bitPattern: cell.mark)) }
      }
      cn_wattrset(window, Int32(bitPattern: attributes(for: change.style)))
      // The last cell of the last row cannot advance the cursor; curses draws it and
      // returns an error we can ignore.
      _ = cn_mvwaddnwstr(window, Int32(change.row), Int32(change.column), run, Int32(run.count))
    }
    cn_wattrset(window, Int32(bitPattern: cn_a_normal()))
    cn_wnoutrefresh(window)
    cn_doupdate()
    previous = grid
  }

  /// After a resize curses must repaint everything.
  func invalidate() {
    previous = nil
    cn_clearok(cn_stdscr(), true)
  }

  private func attributes(for style: CellStyle) -> attr_t {
    let appearance = Appearance(style, colour: hasColour)
    var attributes = cn_a_normal()
    if appearance.bold { attributes |= cn_a_bold() }
    if appearance.reverse { attributes |= cn_a_reverse() }
    if appearance.dim { attributes |= cn_a_dim() }
    if let pair = appearance.pair { attributes |= cn_color_pair(pair.rawValue) }
    return attributes
  }

  /// One pending key, or `nil`; `.resize` after the terminal changed size.
  func readKey() -> ScreenInput? {
    var character: wint_t = 0
    let result = cn_wget_wch(cn_stdscr(), &character)
    if result == ERR { return nil }
    let code = Int32(character)
    if result == KEY_CODE_YES {
      switch code {
      case KEY_RESIZE: return .resize
      case KEY_UP: return .key(.up)
      case KEY_DOWN: return .key(.down)
      case KEY_PPAGE: return .key(.pageUp)
      case KEY_NPAGE: return .key(.pageDown)
      case KEY_HOME: return .key(.home)
      case KEY_END: return .key(.end)
      case KEY_ENTER: return .key(.enter)
      case KEY_BACKSPACE: return .key(.backspace)
      case cn_key_f(1): return .key(.help)
      case cn_key_f(10): return .key(.quit)
      default: return .ignored
      }
    }
    switch code {
    case 3: return .key(.quit)  // Ctrl-C in raw mode
    case 27: return .key(.escape)
    case 10, 13: return .key(.enter)
    case 8, 127: return .key(.backspace)
    default:
      guard let scalar = Unicode.Scalar(UInt32(character)) else { return .ignored }
      return .key(.character(Character(scalar)))
    }
  }

  /// Gives the terminal back as it was.
  func close() {
    cn_endwin()
    cn_delscreen(screen)
  }
}

/// What the terminal sent.
enum ScreenInput: Equatable {
  case key(DashboardKey)
  case resize
  case ignored
}
