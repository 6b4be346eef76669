//! Runs a Node script of this crate's npm folders, installing their pinned packages first.

use std::path::Path;
use std::process::Command;

/// The standard output of `node <script>` run in `dir` (after `npm ci` there when
/// `node_modules` is missing), or `None` when Node is not installed.
pub fn run(dir: &Path, script: &str, what: &str) -> Option<Vec<u8>> {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("\n*** SKIPPED: `node` is not installed, so the {what} did not run ***\n");
        return None;
    }
    if !dir.join("node_modules").exists() {
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .status()
            .expect("npm runs");
        assert!(st.success(), "npm ci failed in {}", dir.display());
    }
    let out = Command::new("node")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}
