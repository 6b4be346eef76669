//! Progress of `submit --wait` on stderr.
//!
//! On a terminal: a line per status change plus a spinner with the elapsed
//! time, redrawn in place. Anywhere else (a pipe, a CI log): only the line
//! per status change, so logs stay readable.

use std::io::Write;
use std::time::Duration;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE: &str = "\r\x1b[2K";

pub(crate) struct Progress<W: Write> {
    out: W,
    tty: bool,
    last_status: Option<String>,
    frame: usize,
    spinner_shown: bool,
}

impl<W: Write> Progress<W> {
    pub(crate) fn new(out: W, tty: bool) -> Self {
        Self {
            out,
            tty,
            last_status: None,
            frame: 0,
            spinner_shown: false,
        }
    }

    pub(crate) fn message(&mut self, text: &str) {
        self.clear_spinner();
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// Reports the status seen by a poll; prints only when it changed.
    pub(crate) fn status(&mut self, status: &str, elapsed: Duration) {
        if self.last_status.as_deref() == Some(status) {
            return;
        }
        self.clear_spinner();
        let _ = writeln!(self.out, "{:>7}  {status}", elapsed_text(elapsed));
        let _ = self.out.flush();
        self.last_status = Some(status.to_owned());
    }

    /// Redraws the spinner between polls; nothing when not on a terminal.
    pub(crate) fn tick(&mut self, elapsed: Duration) {
        if !self.tty {
            return;
        }
        let status = self.last_status.as_deref().unwrap_or("submitted");
        let frame = SPINNER[self.frame % SPINNER.len()];
        self.frame += 1;
        let _ = write!(
            self.out,
            "{CLEAR_LINE}{frame} {status}  {}",
            elapsed_text(elapsed)
        );
        let _ = self.out.flush();
        self.spinner_shown = true;
    }

    pub(crate) fn finish(&mut self) {
        self.clear_spinner();
    }

    fn clear_spinner(&mut self) {
        if self.spinner_shown {
            let _ = write!(self.out, "{CLEAR_LINE}");
            self.spinner_shown = false;
        }
    }

    #[cfg(test)]
    fn into_inner(self) -> W {
        self.out
    }
}

fn elapsed_text(elapsed: Duration) -> String {
    format!("{:.1}s", elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn off_a_terminal_prints_one_line_per_status_change_and_no_control_codes() {
        let mut p = Progress::new(Vec::new(), false);
        p.status("Queued", secs(0.0));
        p.tick(secs(0.1));
        p.status("Queued", secs(0.5));
        p.status("Running", secs(1.0));
        p.tick(secs(1.1));
        p.status("Running", secs(1.5));
        p.status("Success", secs(3.21));
        p.finish();
        let out = String::from_utf8(p.into_inner()).unwrap();
        assert_eq!(out, "   0.0s  Queued\n   1.0s  Running\n   3.2s  Success\n");
    }

    #[test]
    fn on_a_terminal_the_spinner_is_redrawn_and_cleared_before_each_line() {
        let mut p = Progress::new(Vec::new(), true);
        p.status("Queued", secs(0.0));
        p.tick(secs(0.1));
        p.tick(secs(0.2));
        p.status("Running", secs(0.5));
        p.tick(secs(0.6));
        p.finish();
        let out = String::from_utf8(p.into_inner()).unwrap();
        assert!(out.contains(&format!("{CLEAR_LINE}{} Queued  0.1s", SPINNER[0])));
        assert!(out.contains(&format!("{CLEAR_LINE}{} Queued  0.2s", SPINNER[1])));
        assert!(out.contains(&format!("0.2s{CLEAR_LINE}   0.5s  Running\n")));
        // The last spinner frame is wiped so the final output starts clean.
        assert!(
            out.ends_with(&format!("Running  0.6s{CLEAR_LINE}")),
            "{out:?}"
        );
    }
}
