//! Command-line parsing compatible with `lua.c` 5.4 (`collectargs`), built on clap.
//!
//! `lua.c` semantics that clap alone does not express and that this module restores:
//! - the first argument that is not an option is the script; everything after it belongs to the script
//!   (clap: a trailing var-arg that allows hyphen values);
//! - `-e` and `-l` run in the order they were given, interleaved (clap: argument indices);
//! - `-` is the script "standard input"; `--` stops option handling;
//! - errors read `moonlift: unrecognized option '-x'` / `'-e' needs argument` followed by the usage text,
//!   exit status 1.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, ValueEnum};

/// How much the JIT does (`--jit=` or the `MOONLIFT_JIT` environment variable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum JitMode {
    /// Interpreter only.
    Off,
    /// Adaptive tier-up driven by profile counters (the default).
    #[default]
    On,
    /// Compile every function at its first call and OSR-enter every loop at its first back-edge.
    Eager,
}

impl JitMode {
    /// Parse the value of `MOONLIFT_JIT` (`off`, `on` or `eager`).
    pub fn from_env_value(s: &str) -> Option<JitMode> {
        JitMode::from_str(s.trim(), true).ok()
    }
}

/// The raw clap model. Short options mirror `lua.c`; long options are Moonlift's own.
#[derive(Parser, Debug)]
#[command(
    name = "moonlift",
    about = "Moonlift: a Lua 5.4 VM with an adaptive JIT (drop-in for `lua`)",
    disable_version_flag = true,
    disable_help_flag = true,
    override_usage = "moonlift [options] [script [args]]"
)]
struct RawArgs {
    /// execute string 'stat'
    #[arg(short = 'e', value_name = "stat", action = clap::ArgAction::Append)]
    exec: Vec<String>,
    /// require library 'mod' into global 'mod' (or `-l g=mod` into global 'g')
    #[arg(short = 'l', value_name = "mod", action = clap::ArgAction::Append)]
    libs: Vec<String>,
    /// enter interactive mode after executing 'script'
    #[arg(short = 'i')]
    interactive: bool,
    /// show version information
    #[arg(short = 'v')]
    version: bool,
    /// ignore environment variables
    #[arg(short = 'E')]
    ignore_env: bool,
    /// turn warnings on
    #[arg(short = 'W', action = clap::ArgAction::Append, num_args = 0, default_missing_value = "on")]
    warnings: Vec<String>,
    /// JIT mode: off (interpreter only), on (adaptive, default), eager (compile at first call)
    #[arg(long = "jit", value_enum, value_name = "MODE")]
    jit: Option<JitMode>,
    /// print JIT statistics to stderr at exit
    #[arg(long = "jit-stats")]
    jit_stats: bool,
    /// print one line per compile, install, OSR entry and free
    #[arg(long = "jit-log")]
    jit_log: bool,
    /// write /tmp/perf-<pid>.map so `perf` can name JIT frames
    #[arg(long = "perf-map")]
    perf_map: bool,
    /// print a function's bytecode, IR and disassembly
    #[arg(long = "jit-dump", value_name = "NAME")]
    jit_dump: Option<String>,
    /// limit the Lua heap; exceeding it raises "not enough memory" (bytes, or with K/M/G suffix)
    #[arg(long = "memory-limit", value_name = "BYTES", value_parser = parse_size)]
    memory_limit: Option<usize>,
    /// run a full garbage collection at every allocation check, or every Nth with =N (slow;
    /// for testing; also MOONLIFT_GC_STRESS=N)
    #[arg(long = "gc-stress", value_name = "N", num_args = 0..=1, require_equals = true,
          default_missing_value = "1")]
    gc_stress: Option<u32>,
    /// print help
    #[arg(long = "help", action = clap::ArgAction::Help)]
    help: Option<bool>,
}

fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1usize << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("invalid size '{s}' (expected e.g. 64M)"))
}

/// An action of the command line that `lua.c` runs in order before the script (`runargs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreAction {
    /// `-e stat`.
    Exec(String),
    /// `-l mod` or `-l g=mod`: (global name, module name).
    Require(String, String),
    /// `-W`: turn warnings on.
    WarnOn,
}

/// Where the script comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// A file path.
    File(String),
    /// `-`: standard input.
    Stdin,
}

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-e`, `-l` and `-W` in command-line order.
    pub pre: Vec<PreAction>,
    /// `-i`.
    pub interactive: bool,
    /// `-v`.
    pub version: bool,
    /// `-E`.
    pub ignore_env: bool,
    /// The JIT mode from `--jit`, if given.
    pub jit: Option<JitMode>,
    /// `--jit-stats`.
    pub jit_stats: bool,
    /// `--jit-log`.
    pub jit_log: bool,
    /// `--perf-map`.
    pub perf_map: bool,
    /// `--jit-dump=NAME`.
    pub jit_dump: Option<String>,
    /// `--memory-limit`.
    pub memory_limit: Option<usize>,
    /// `--gc-stress[=N]`: collect at every Nth allocation check (`--gc-stress` alone: N = 1).
    pub gc_stress: Option<u32>,
    /// The script, if any.
    pub script: Option<Script>,
    /// Arguments after the script (`arg[1..]`).
    pub script_args: Vec<String>,
    /// Index in `argv` of the script (`arg[0]`); `argv[..script_index]` become `arg[-n..-1]`.
    /// Equal to `argv.len()` when there is no script.
    pub script_index: usize,
}

/// A command-line error, already worded as `lua.c` words it (without the `moonlift: ` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsOutcome {
    /// Print this text to stdout and exit 0 (`--help`).
    Help(String),
    /// Print `moonlift: <msg>` and the usage to stderr, exit 1.
    Error(String),
}

/// The usage text printed after a command-line error (as `print_usage` in lua.c, plus our options).
pub fn usage(progname: &str) -> String {
    format!(
        "usage: {progname} [options] [script [args]]\n\
         Available options are:\n  \
         -e stat   execute string 'stat'\n  \
         -i        enter interactive mode after executing 'script'\n  \
         -l mod    require library 'mod' into global 'mod'\n  \
         -l g=mod  require library 'mod' into global 'g'\n  \
         -v        show version information\n  \
         -E        ignore environment variables\n  \
         -W        turn warnings on\n  \
         --        stop handling options\n  \
         -         stop handling options and execute stdin\n  \
         --jit=off|on|eager  JIT mode (also MOONLIFT_JIT)\n  \
         --help    show all options\n"
    )
}

/// Long options that take a value in the next argument when written without `=`.
const LONG_WITH_VALUE: &[&str] = &["--jit", "--jit-dump", "--memory-limit"];

/// Find where the script is, the way `lua.c`'s `collectargs` does: the first argument that is not an
/// option, or `-`, or the argument after `--`. Returns (end of the options, index of the script); the
/// script index is `argv.len()` when there is none.
fn split_script(argv: &[String]) -> (usize, usize) {
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_str();
        if a == "--" {
            return (i, i + 1);
        }
        if a == "-" || !a.starts_with('-') {
            return (i, i);
        }
        if (a == "-e" || a == "-l") || LONG_WITH_VALUE.contains(&a) {
            i += 1; // the option's value is the next argument
        }
        i += 1;
    }
    (argv.len(), argv.len())
}

/// Parse `argv` (including `argv[0]`).
pub fn parse(argv: &[String]) -> Result<Options, ArgsOutcome> {
    let (options_end, script_index) = split_script(argv);
    let options = &argv[..options_end.min(argv.len())];
    let raw = match RawArgs::try_parse_from(options) {
        Ok(raw) => raw,
        Err(e) => return Err(translate_error(&e, options)),
    };
    let mut exec = raw.exec.into_iter();
    let mut libs = raw.libs.into_iter();
    let mut pre = Vec::new();
    for kind in order_of_pre_actions(options) {
        match kind {
            'e' => pre.extend(exec.next().map(PreAction::Exec)),
            'l' => pre.extend(libs.next().map(|spec| match spec.split_once('=') {
                Some((g, m)) => PreAction::Require(g.to_string(), m.to_string()),
                None => PreAction::Require(spec.clone(), spec),
            })),
            _ => pre.push(PreAction::WarnOn),
        }
    }
    let script = argv.get(script_index).map(|s| {
        // `-` means stdin unless it came after `--` (then it names a file called "-").
        let after_dashdash = options_end < script_index;
        if s == "-" && !after_dashdash {
            Script::Stdin
        } else {
            Script::File(s.clone())
        }
    });
    Ok(Options {
        pre,
        interactive: raw.interactive,
        version: raw.version,
        ignore_env: raw.ignore_env,
        jit: raw.jit,
        jit_stats: raw.jit_stats,
        jit_log: raw.jit_log,
        perf_map: raw.perf_map,
        jit_dump: raw.jit_dump,
        memory_limit: raw.memory_limit,
        gc_stress: raw.gc_stress,
        script,
        script_args: argv.get(script_index + 1..).unwrap_or(&[]).to_vec(),
        script_index,
    })
}

/// The order in which `-e`, `-l` and `-W` appear among the options (clap keeps each list in order but
/// not their interleaving).
fn order_of_pre_actions(options: &[String]) -> Vec<char> {
    let mut order = Vec::new();
    let mut i = 1;
    while i < options.len() {
        let a = options[i].as_str();
        match a.as_bytes() {
            [b'-', k @ (b'e' | b'l'), tail @ ..] => {
                order.push(*k as char);
                if tail.is_empty() {
                    i += 1; // the value is the next argument
                }
            }
            [b'-', b'W'] => order.push('W'),
            _ if LONG_WITH_VALUE.contains(&a) => i += 1,
            _ => {}
        }
        i += 1;
    }
    order
}

fn translate_error(e: &clap::Error, argv: &[String]) -> ArgsOutcome {
    let arg_text = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    match e.kind() {
        ErrorKind::DisplayHelp => ArgsOutcome::Help(e.render().to_string()),
        ErrorKind::UnknownArgument => {
            // clap may render "-x" as "-x" or with its value; keep the option itself.
            let opt = arg_text.split_whitespace().next().unwrap_or("").to_string();
            let opt = if opt.is_empty() {
                argv.get(1).cloned().unwrap_or_default()
            } else {
                opt
            };
            ArgsOutcome::Error(format!("unrecognized option '{opt}'"))
        }
        ErrorKind::InvalidValue if arg_text.starts_with("-e") || arg_text.starts_with("-l") => {
            ArgsOutcome::Error(format!("'{}' needs argument", &arg_text[..2]))
        }
        _ => {
            let first = e.render().to_string();
            let line = first
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ")
                .to_string();
            ArgsOutcome::Error(line)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<String> {
        std::iter::once("moonlift")
            .chain(s.iter().copied())
            .map(String::from)
            .collect()
    }

    #[test]
    fn script_and_args_keep_hyphens() {
        let o = parse(&argv(&["-e", "x=1", "t.lua", "-e", "a"])).unwrap();
        assert_eq!(o.pre, vec![PreAction::Exec("x=1".into())]);
        assert_eq!(o.script, Some(Script::File("t.lua".into())));
        assert_eq!(o.script_args, vec!["-e".to_string(), "a".to_string()]);
        assert_eq!(o.script_index, 3);
    }

    #[test]
    fn pre_actions_keep_their_interleaving() {
        let o = parse(&argv(&["-lm", "-e", "print(1)", "-W", "-l", "g=mod"])).unwrap();
        assert_eq!(
            o.pre,
            vec![
                PreAction::Require("m".into(), "m".into()),
                PreAction::Exec("print(1)".into()),
                PreAction::WarnOn,
                PreAction::Require("g".into(), "mod".into()),
            ]
        );
        assert_eq!(o.script, None);
        assert_eq!(o.script_index, 7);
    }

    #[test]
    fn dash_is_stdin_and_dashdash_stops_options() {
        assert_eq!(parse(&argv(&["-"])).unwrap().script, Some(Script::Stdin));
        let o = parse(&argv(&["--", "-e"])).unwrap();
        assert_eq!(o.script, Some(Script::File("-e".into())));
        assert!(o.pre.is_empty());
    }

    #[test]
    fn errors_are_worded_like_lua_c() {
        assert_eq!(
            parse(&argv(&["-x"])).unwrap_err(),
            ArgsOutcome::Error("unrecognized option '-x'".into())
        );
        match parse(&argv(&["-e"])).unwrap_err() {
            ArgsOutcome::Error(m) => assert!(m.contains("-e"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn jit_modes_and_sizes() {
        let o = parse(&argv(&["--jit=eager", "--memory-limit=64M", "t.lua"])).unwrap();
        assert_eq!(o.jit, Some(JitMode::Eager));
        assert_eq!(o.memory_limit, Some(64 << 20));
        assert_eq!(JitMode::from_env_value("off"), Some(JitMode::Off));
        assert_eq!(JitMode::from_env_value("fast"), None);
        assert!(parse(&argv(&["--jit=fast"])).is_err());
    }

    #[test]
    fn gc_stress_takes_an_optional_period() {
        assert_eq!(parse(&argv(&["t.lua"])).unwrap().gc_stress, None);
        let o = parse(&argv(&["--gc-stress", "t.lua", "x"])).unwrap();
        assert_eq!(o.gc_stress, Some(1));
        assert_eq!(o.script, Some(Script::File("t.lua".into())));
        assert_eq!(o.script_args, ["x"]);
        assert_eq!(
            parse(&argv(&["--gc-stress=50", "t.lua"]))
                .unwrap()
                .gc_stress,
            Some(50)
        );
        assert!(parse(&argv(&["--gc-stress=often", "t.lua"])).is_err());
    }
}
