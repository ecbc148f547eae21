//! Unit tests of the output-folder rules (the binary-level and crash tests are in
//! `tests/`).

use super::*;
use std::fs;

fn write(p: &Path, text: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// Writes a folder the way a command does: data files, then the manifest listing them.
fn commit_run(dest: &Path, files: &[(&str, &str)], keep: &[&str]) -> Result<()> {
    let d = Destination::new(dest, &[])?;
    let stage = Stage::begin(d)?;
    write_folder(
        stage,
        keep,
        |dir| {
            for (name, text) in files {
                write(&dir.join(name), text);
            }
            Ok(())
        },
        |dir, outputs, _| {
            let m = serde_json::json!({"empsim_version": "test", "outputs": outputs});
            fs::write(dir.join("manifest.json"), m.to_string()).map_err(|e| io_err(dir, e))
        },
    )
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_folder_is_written_with_a_complete_manifest_and_nothing_left_beside_it() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("a/b/run");
    commit_run(&dest, &[("x.csv", "1"), ("charts/c.png", "2")], &[]).unwrap();
    assert_eq!(names(&dest), ["charts", "manifest.json", "x.csv"]);
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dest.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["outputs"],
        serde_json::json!(["charts/c.png", "manifest.json", "x.csv"])
    );
    assert_eq!(
        names(&root.path().join("a/b")),
        ["run"],
        "no lock or temporary left"
    );
}

#[test]
fn an_output_folder_is_replaced_and_its_kept_results_carried_over() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("run");
    commit_run(&dest, &[("old.csv", "1")], &[]).unwrap();
    commit_run(&dest.join("sensitivity/oat"), &[("indices.csv", "s")], &[]).unwrap();
    commit_run(&dest, &[("new.csv", "2")], KEPT_BY_RUN).unwrap();
    assert_eq!(names(&dest), ["manifest.json", "new.csv", "sensitivity"]);
    assert_eq!(
        fs::read_to_string(dest.join("sensitivity/oat/indices.csv")).unwrap(),
        "s"
    );
    assert_eq!(names(root.path()), ["run"]);
}

#[test]
fn a_folder_with_a_users_file_is_refused_and_left_as_it_was() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("run");
    commit_run(&dest, &[("q.csv", "1")], &[]).unwrap();
    write(&dest.join("notes/mine.txt"), "keep me");
    let e = commit_run(&dest, &[("q.csv", "2")], &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "will not write to {}: it holds files empsim did not write (notes/mine.txt); empsim only replaces a folder that holds nothing but its own outputs. Move those files elsewhere, or choose another folder with --out",
            dest.display()
        )
    );
    assert_eq!(fs::read_to_string(dest.join("q.csv")).unwrap(), "1");
    assert_eq!(
        fs::read_to_string(dest.join("notes/mine.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(names(root.path()), ["run"]);
}

#[test]
fn a_failed_write_removes_what_it_created_and_keeps_the_old_folder() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("run");
    commit_run(&dest, &[("q.csv", "1")], &[]).unwrap();
    let stage = Stage::begin(Destination::new(&dest, &[]).unwrap()).unwrap();
    let r: Result<()> = write_folder(
        stage,
        &[],
        |dir| Err(io_err(&dir.join("charts/x.png"), "disk full")),
        |_, _, _| unreachable!("no manifest after a failed write"),
    );
    assert_eq!(
        crate::error::chain(&r.unwrap_err()),
        format!(
            "cannot write output folder {}: disk full",
            dest.join("charts/x.png").display()
        ),
        "the error names the user's path, not the temporary folder"
    );
    assert_eq!(fs::read_to_string(dest.join("q.csv")).unwrap(), "1");
    assert_eq!(names(root.path()), ["run"]);

    let fresh = root.path().join("new/deeper/run");
    let stage = Stage::begin(Destination::new(&fresh, &[]).unwrap()).unwrap();
    assert!(root.path().join("new/deeper").is_dir());
    drop(stage);
    assert_eq!(
        names(root.path()),
        ["run"],
        "parents created by the run are removed"
    );
}

#[test]
fn leftovers_of_a_killed_run_are_recognised_and_removed() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("run");
    commit_run(&dest, &[("q.csv", "1")], &[]).unwrap();
    // A partial staging folder, a complete one, and a user's folder that merely looks alike.
    write(
        &root.path().join(".run.empsim-new-1/.empsim-incomplete"),
        "",
    );
    write(&root.path().join(".run.empsim-new-1/q.csv"), "partial");
    let complete = root.path().join(".run.empsim-new-2");
    write(&complete.join("q.csv"), "3");
    write(
        &complete.join("manifest.json"),
        r#"{"empsim_version":"t","outputs":["q.csv","manifest.json"]}"#,
    );
    write(&root.path().join(".run.empsim-new-3/mine.txt"), "user");
    commit_run(&dest, &[("q.csv", "2")], &[]).unwrap();
    assert_eq!(names(root.path()), [".run.empsim-new-3", "run"]);
    assert_eq!(fs::read_to_string(dest.join("q.csv")).unwrap(), "2");
}

#[test]
fn a_complete_old_folder_is_moved_back_when_the_final_path_is_missing() {
    let root = tempfile::tempdir().unwrap();
    let old = root.path().join(".run.empsim-old-7");
    write(&old.join("q.csv"), "old");
    write(
        &old.join("manifest.json"),
        r#"{"empsim_version":"t","outputs":["q.csv"]}"#,
    );
    let dest = root.path().join("run");
    let stage = Stage::begin(Destination::new(&dest, &[]).unwrap()).unwrap();
    assert_eq!(fs::read_to_string(dest.join("q.csv")).unwrap(), "old");
    drop(stage);
    assert_eq!(names(root.path()), ["run"]);
}

#[test]
fn places_a_run_works_in_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let scen = root.path().join("scen/s.toml");
    write(&scen, "x");
    let e = Destination::new(&root.path().join("scen"), std::slice::from_ref(&scen)).unwrap_err();
    assert!(
        e.to_string().contains(&format!(
            "it holds {}, an input of this run",
            scen.display()
        )),
        "{e}"
    );
    let e = Destination::new(root.path(), &[scen]).unwrap_err();
    assert!(e.to_string().contains("it contains"), "{e}");
    let e = Destination::new(Path::new("/"), &[]).unwrap_err();
    assert!(e.to_string().contains("it is the root folder"), "{e}");
}

#[test]
fn ownership_follows_nested_manifests_and_legacy_folder_entries() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path();
    write(
        &d.join("manifest.json"),
        r#"{"empsim_version":"0.1.0","outputs":["a.csv","charts/"]}"#,
    );
    write(&d.join("a.csv"), "");
    write(&d.join("charts/x.png"), "");
    write(
        &d.join("sensitivity/oat/manifest.json"),
        r#"{"empsim_version":"0.1.0","outputs":["i.csv"]}"#,
    );
    write(&d.join("sensitivity/oat/i.csv"), "");
    write(&d.join("sensitivity/.oat.empsim-lock"), "123\n");
    assert_eq!(
        owned::foreign_entries(d, 5).unwrap().names,
        Vec::<String>::new()
    );
    write(&d.join("sensitivity/oat/extra.csv"), "");
    write(&d.join("b.csv"), "");
    let f = owned::foreign_entries(d, 1).unwrap();
    assert_eq!(f.names, ["b.csv"]);
    assert!(f.more);
}

#[test]
fn a_file_added_to_the_old_folder_during_the_run_is_not_lost() {
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("run");
    commit_run(&dest, &[("q.csv", "1")], &[]).unwrap();
    let stage = Stage::begin(Destination::new(&dest, &[]).unwrap()).unwrap();
    write(&dest.join("added-meanwhile.txt"), "mine");
    let r = write_folder(
        stage,
        &[],
        |dir| {
            write(&dir.join("q.csv"), "2");
            Ok(())
        },
        |dir, outputs, _| {
            let m = serde_json::json!({"empsim_version": "test", "outputs": outputs});
            fs::write(dir.join("manifest.json"), m.to_string()).map_err(|e| io_err(dir, e))
        },
    );
    assert!(r.unwrap_err().to_string().contains("(added-meanwhile.txt)"));
    assert_eq!(
        fs::read_to_string(dest.join("added-meanwhile.txt")).unwrap(),
        "mine"
    );
    assert_eq!(fs::read_to_string(dest.join("q.csv")).unwrap(), "1");
    assert_eq!(names(root.path()), ["run"]);
}
