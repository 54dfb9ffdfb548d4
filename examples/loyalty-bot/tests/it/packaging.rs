//! Every crate of the workspace packages its README, its changelog and both license files.
//!
//! `cargo package --list` only lists files inside a crate's directory, so each crate carries
//! `LICENSE-MIT` and `LICENSE-APACHE` as links to the root files. This test asks cargo for the packaged
//! file list of every workspace member (no build, no network: it does not take the build lock) and checks
//! that the listed license files have the root files' text.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files every packaged crate must contain.
const REQUIRED: [&str; 4] = ["README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the bot lives two levels below the workspace root")
        .to_path_buf()
}

/// Runs cargo in `root`: its standard output, or its error text.
fn cargo(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cargo does not run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("cargo printed non-UTF-8: {e}"))
}

/// `(name, directory)` of every workspace member.
fn members(root: &Path) -> Vec<(String, PathBuf)> {
    let metadata = cargo(
        root,
        &[
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ],
    )
    .expect("cargo metadata");
    let metadata: serde_json::Value =
        serde_json::from_str(&metadata).expect("cargo metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages list");
    packages
        .iter()
        .map(|p| {
            let name = p["name"].as_str().expect("package name").to_owned();
            let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest path"));
            let dir = manifest
                .parent()
                .expect("manifest has a directory")
                .to_path_buf();
            (name, dir)
        })
        .collect()
}

#[test]
fn every_crate_packages_its_readme_and_both_licenses() {
    let root = workspace_root();
    let members = members(&root);
    assert!(members.len() >= 10, "expected every crate, got {members:?}");
    let mit = std::fs::read_to_string(root.join("LICENSE-MIT")).expect("root LICENSE-MIT");
    let apache = std::fs::read_to_string(root.join("LICENSE-APACHE")).expect("root LICENSE-APACHE");
    assert!(mit.contains("The loyalty-bot SDK developers"), "{mit}");
    assert!(apache.contains("Apache License"), "{apache}");

    let mut problems = Vec::new();
    for (name, dir) in &members {
        let listed = match cargo(
            &root,
            &[
                "package",
                "--list",
                "--allow-dirty",
                "--no-verify",
                "--offline",
                "-p",
                name,
            ],
        ) {
            Ok(listed) => listed,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                String::new()
            }
        };
        let listed: Vec<&str> = listed.lines().map(str::trim).collect();
        for file in REQUIRED {
            if !listed.contains(&file) {
                problems.push(format!("{name}: {file} is not packaged"));
            }
        }
        for (file, expected) in [("LICENSE-MIT", &mit), ("LICENSE-APACHE", &apache)] {
            match std::fs::read_to_string(dir.join(file)) {
                Ok(text) if &text == expected => {}
                Ok(_) => problems.push(format!("{name}: {file} differs from the root file")),
                Err(e) => problems.push(format!("{name}: {file} unreadable: {e}")),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
