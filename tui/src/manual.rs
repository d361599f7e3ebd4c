//! Shell completions and man pages, generated from the command line's own definition so they
//! never disagree with `--help`.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;
use std::process::ExitCode;

/// `feedbridge completions SHELL`: the script on stdout (a reader that stops early, like
/// `head`, is no error).
pub fn print_completions(shell: Shell) -> ExitCode {
    use std::io::Write;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "feedbridge", &mut script);
    match std::io::stdout().lock().write_all(&script) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("feedbridge: could not write the completion script: {error}");
            ExitCode::from(crate::cli::EXIT_FAILED)
        }
    }
}

/// `feedbridge man --dir DIR`: `feedbridge.1` and a `feedbridge-SUBCOMMAND.1` for each visible
/// subcommand, each file's path printed.
pub fn write_man_pages(dir: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("Failed to write the man pages into {}", dir.display()))?;
    let mut written: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "1"))
        .collect();
    written.sort();
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completion_script(shell: Shell) -> String {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "feedbridge", &mut script);
        String::from_utf8(script).unwrap()
    }

    #[test]
    fn completion_scripts_offer_the_subcommands() {
        let bash = completion_script(Shell::Bash);
        assert!(bash.contains("complete -F _feedbridge"), "{bash}");
        assert!(bash.contains("test-connection"), "{bash}");
        let zsh = completion_script(Shell::Zsh);
        assert!(zsh.starts_with("#compdef feedbridge"), "{zsh}");
        let fish = completion_script(Shell::Fish);
        assert!(fish.contains("complete -c feedbridge"), "{fish}");
    }

    #[test]
    fn man_pages_cover_the_command_its_subcommands_and_exit_status() {
        let dir = tempfile::tempdir().unwrap();
        write_man_pages(dir.path()).unwrap();
        let main = std::fs::read_to_string(dir.path().join("feedbridge.1")).unwrap();
        assert!(main.contains(".TH feedbridge 1"), "{main}");
        assert!(main.contains("Exit status"), "{main}");
        assert!(main.contains("could not be reached"), "{main}");
        assert!(dir.path().join("feedbridge-status.1").exists());
        assert!(dir.path().join("feedbridge-completions.1").exists());
        assert!(!dir.path().join("feedbridge-man.1").exists(), "hidden");
    }
}
