//! Output ordering and flushing of the io library: `print` and `io.write` share the VM's stdout
//! buffer; open files are flushed when the state closes. Expected texts come from `lua5.4`.

mod stdlib_support;

/// `print`, `io.write` and `io.stdout:write` share one buffer, so their output keeps program order
/// (and `io.write` prints floats with `%.14g`, without `.0`). Expected text from
/// `lua5.4 -e 'io.write("a", 1, " ", 2.5, " ", 1.0) print("b", 1.0) io.stdout:write("c\n")
/// io.stdout:setvbuf("no") io.write("d") print(io.write("e") == io.stdout, io.output() == io.stdout)'`.
#[test]
fn print_and_io_write_share_stdout() {
    let got = stdlib_support::run_captured(
        r#"io.write("a", 1, " ", 2.5, " ", 1.0) print("b", 1.0) io.stdout:write("c\n")
        io.stdout:setvbuf("no") io.write("d") print(io.write("e") == io.stdout, io.output() == io.stdout)"#,
    );
    assert_eq!(got, "a1 2.5 1b\t1.0\nc\ndetrue\ttrue\n|");
}

/// A file left open at the end is flushed when the state closes (its `__gc`), as `lua_close` does.
#[test]
fn open_files_are_flushed_when_the_state_closes() {
    let path = std::env::temp_dir().join(format!("moonlift-stdlib-io-{}", std::process::id()));
    let p = path.to_str().unwrap().to_string();
    let code = format!(r#"local f = io.open("{p}", "w") f:write("unclosed") return io.type(f)"#);
    assert_eq!(stdlib_support::run_captured(&code), "|file");
    assert_eq!(std::fs::read(&path).unwrap(), b"unclosed");
    std::fs::remove_file(&path).unwrap();
}
