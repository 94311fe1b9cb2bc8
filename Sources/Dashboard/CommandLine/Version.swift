/// The one place the version is written: `--version` prints it and `make deb` names the
/// package after it (the Makefile reads this line).
let packageVersion = "0.1.0"
