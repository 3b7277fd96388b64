use super::model::{self, Dir, Leaf, Source, kind};
use crate::analysis::{Analysis, analyze};
use crate::progress::Silent;
use crate::source::Options;
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout, Node};

fn image(layers: Vec<(&str, Vec<Node>)>) -> Analysis {
    let spec = ImageSpec {
        layers: (layers.into_iter())
            .map(|(c, n)| LayerSpec::new(c, n))
            .collect(),
        ..ImageSpec::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("i.tar");
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &path).unwrap();
    analyze(path.to_str().unwrap(), &Options::default(), &Silent).unwrap()
}

type Row = serde_json::Value;

fn rows(src: &Source, budget: usize) -> (Vec<Row>, model::Rows) {
    let folded = model::fold(src, budget);
    let rows: Vec<Row> = serde_json::from_str(&folded.json).unwrap();
    assert_eq!(rows.len(), folded.rows);
    (rows, folded)
}

fn path(rows: &[Row], mut i: usize) -> String {
    let mut parts = Vec::new();
    while i != 0 {
        parts.push(rows[i][1].as_str().unwrap().to_string());
        i = rows[i][0].as_u64().unwrap() as usize;
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

fn find<'a>(rows: &'a [Row], p: &str, k: u8) -> Vec<&'a Row> {
    (0..rows.len())
        .filter(|&i| path(rows, i) == p && rows[i][3] == k)
        .map(|i| &rows[i])
        .collect()
}

/// One directory of `n` files of 1..=n bytes under `/d`, and a big file.
fn wide(n: u64) -> Source<'static> {
    let names: &'static [Vec<u8>] = Box::leak(
        (0..n)
            .map(|i| format!("f{i}").into_bytes())
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let mut src = Source::default();
    src.dirs.push(Dir {
        parent: 0,
        name: b"",
    });
    src.dirs.push(Dir {
        parent: 0,
        name: b"d",
    });
    let leaf = |dir, name, bytes, layer| Leaf {
        dir,
        name,
        bytes,
        weight: bytes,
        kind: kind::LIVE,
        layer,
        x: -1,
        y: 0,
    };
    src.leaves.push(leaf(0, b"big", 1_000_000, 0));
    for (i, name) in names.iter().enumerate() {
        src.leaves.push(leaf(1, name, i as u64 + 1, (i % 2) as i32));
    }
    src
}

#[test]
fn small_files_fold_into_one_row_per_directory_with_every_byte_kept() {
    let src = wide(1000);
    let (rows, folded) = rows(&src, 100);
    assert!(rows.len() <= 100, "{} rows", rows.len());
    let total: u64 = 1_000_000 + (1..=1000).sum::<u64>();
    assert_eq!(rows[0][2], total, "the root holds every byte");
    assert_eq!(find(&rows, "/d", kind::DIR)[0][2], total - 1_000_000);
    let group = find(&rows, "/d", kind::FOLDED);
    assert!(group.is_empty(), "a group is not named like its directory");
    let group: Vec<&Row> = rows.iter().filter(|r| r[3] == kind::FOLDED).collect();
    assert_eq!(group.len(), 1);
    let shown: Vec<u64> = (rows.iter())
        .filter(|r| r[3] == kind::LIVE && r[0] != 0)
        .map(|r| r[2].as_u64().unwrap())
        .collect();
    // The largest files are the ones shown; the group holds the rest.
    assert!(shown.iter().all(|&b| b > 1000 - shown.len() as u64));
    let count = group[0][4].as_u64().unwrap();
    assert_eq!(count, 1000 - shown.len() as u64);
    assert_eq!(folded.folded_leaves, count);
    let group_bytes = group[0][2].as_u64().unwrap();
    assert_eq!(group_bytes + shown.iter().sum::<u64>(), total - 1_000_000);
    // The breakdown by (kind, layer) adds up to the group's bytes.
    let parts: u64 = (group[0][5].as_array().unwrap().iter())
        .map(|p| p[2].as_u64().unwrap())
        .sum();
    assert_eq!(parts, group_bytes);
}

#[test]
fn rows_come_parent_first_and_stay_within_the_budget_on_a_deep_tree() {
    // A 5,000-deep chain of directories with a file at the bottom.
    let mut src = Source::default();
    src.dirs.push(Dir {
        parent: 0,
        name: b"",
    });
    for d in 1..5000u32 {
        src.dirs.push(Dir {
            parent: d - 1,
            name: b"x",
        });
    }
    src.leaves.push(Leaf {
        dir: 4999,
        name: b"end",
        bytes: 7,
        weight: 7,
        kind: kind::LIVE,
        layer: 0,
        x: -1,
        y: 0,
    });
    let (rows, _) = rows(&src, 1000);
    assert!(rows.len() <= 1000);
    for (i, r) in rows.iter().enumerate().skip(1) {
        assert!(
            (r[0].as_u64().unwrap() as usize) < i,
            "row {i} before its parent"
        );
    }
    assert!(
        rows.iter().all(|r| r[2] == 7),
        "every shown directory holds the file"
    );
    let (all, _) = self::rows(&src, 20_000);
    assert_eq!(all.len(), 5001, "with room, nothing is folded");
}

#[test]
fn every_file_has_a_row_when_they_fit() {
    let (rows, folded) = rows(&wide(50), model::MAX_RECTS);
    assert_eq!(folded.folded_leaves, 0);
    assert_eq!(rows.iter().filter(|r| r[3] == kind::LIVE).count(), 51);
    assert!(rows.iter().all(|r| r[3] != kind::FOLDED));
}

#[test]
fn image_rows_show_live_flagged_and_hidden_versions_with_their_layers() {
    let a = image(vec![
        (
            "/bin/sh -c #(nop) COPY dir:a in /",
            vec![
                fixture::big_file("app/main.bin", 5_000, 1),
                fixture::big_file("app/.git/pack", 3_000, 2),
                fixture::big_file("tmp/dl", 4_000, 3),
                fixture::big_file("etc/conf", 100, 4),
            ],
        ),
        (
            "/bin/sh -c rm /tmp/dl; echo >/etc/conf",
            vec![
                fixture::whiteout("tmp/dl"),
                fixture::big_file("etc/conf", 200, 5),
            ],
        ),
    ]);
    let (rows, _) = rows(&super::image::source(&a), model::MAX_RECTS);
    assert_eq!(
        rows[0][2], a.metrics.shipped_bytes,
        "the map holds every shipped byte"
    );
    assert_eq!(find(&rows, "/app", kind::DIR)[0][2], 8_000);
    let live = find(&rows, "/app/main.bin", kind::LIVE);
    assert_eq!(
        (live[0][2].as_u64(), live[0][4].as_i64()),
        (Some(5_000), Some(0))
    );
    let git = find(&rows, "/app/.git/pack", kind::FLAGGED);
    let finding = &a.findings[git[0][5].as_u64().unwrap() as usize];
    assert_eq!(finding.rule.as_str(), "vcs-directory");
    // Deleted in layer 1: hidden, removed in 1, not overwritten.
    let dl = find(&rows, "/tmp/dl", kind::HIDDEN);
    assert_eq!((dl[0][5].as_i64(), dl[0][6].as_i64()), (Some(1), Some(0)));
    // Overwritten in layer 1: the old version hidden, the new one live.
    let old = find(&rows, "/etc/conf", kind::HIDDEN);
    assert_eq!(
        (old[0][2].as_u64(), old[0][6].as_i64()),
        (Some(100), Some(1))
    );
    assert_eq!(find(&rows, "/etc/conf", kind::LIVE)[0][2], 200);
}

#[test]
fn diff_rows_mark_added_removed_changed_and_same() {
    let old = image(vec![(
        "/bin/sh -c old",
        vec![
            fixture::big_file("app/keep", 1_000, 1),
            fixture::big_file("app/grow", 1_000, 2),
            fixture::big_file("app/gone", 500, 3),
        ],
    )]);
    let new = image(vec![(
        "/bin/sh -c new",
        vec![
            fixture::big_file("app/keep", 1_000, 1),
            fixture::big_file("app/grow", 3_000, 2),
            fixture::big_file("app/new/x", 700, 4),
        ],
    )]);
    let (rows, _) = rows(&super::diff::source(&old, &new), model::MAX_RECTS);
    let one = |p: &str, k: u8| find(&rows, p, k)[0].clone();
    assert_eq!(one("/app/keep", kind::SAME)[2], 1_000);
    let grow = one("/app/grow", kind::CHANGED);
    assert_eq!(
        (grow[5].as_u64(), grow[6].as_u64()),
        (Some(1_000), Some(3_000))
    );
    assert_eq!(one("/app/gone", kind::REMOVED)[5], 500);
    assert_eq!(one("/app/new/x", kind::ADDED)[6], 700);
    assert_eq!(one("/app", kind::DIR)[2], 1_000 + 3_000 + 500 + 700);
}

#[test]
fn names_that_are_not_utf8_are_spelled_as_findings_spell_them() {
    assert_eq!(model::name(b"a\xffb"), "a\\xffb");
    let shown = crate::layer::path::display(b"a\xffb");
    assert_eq!(format!("/{}", model::name(b"a\xffb")), shown);
}

#[test]
fn the_page_holds_hostile_names_only_as_escaped_data() {
    let hostile = "<img src=x onerror=alert(1)>\u{2028}&amp;";
    let a = image(vec![(
        "/bin/sh -c echo </script><script>alert(2)</script>",
        vec![
            fixture::big_file(format!("h/{hostile}"), 2_000, 1),
            fixture::big_file("h/<script>alert(3)</script>", 1_000, 2),
        ],
    )]);
    let mut out = Vec::new();
    super::write(&a, &mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    assert_eq!(
        page.matches("</script>").count(),
        2,
        "only the page's own two"
    );
    assert!(!page.contains("<img"), "no markup from the image");
    assert!(!page.contains('\u{2028}'));
    // The data element reads back to the same names.
    let start = page.find("id=\"ballast-data\">").unwrap() + "id=\"ballast-data\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let names: Vec<&str> = (data["rows"].as_array().unwrap().iter())
        .filter_map(|r| r[1].as_str())
        .collect();
    assert!(names.contains(&hostile), "{names:?}");
    let command = data["page"]["layers"][0]["command"].as_str().unwrap();
    assert!(command.contains("</script><script>alert(2)"));
}

#[test]
fn the_page_is_self_contained_and_allows_only_its_own_script() {
    let a = image(vec![("/bin/sh -c x", vec![fixture::file("a", "b")])]);
    let mut out = Vec::new();
    super::write(&a, &mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    for remote in ["http://", "https://", "src=", "href="] {
        assert!(!page.contains(remote), "{remote} in the page");
    }
    assert!(page.contains(&format!("script-src '{}'", super::script_hash())));
    assert!(!page.contains("{{"), "every slot filled");
}
