//! The fleet report as GitHub-flavoured markdown. Every string from the
//! records (references, digests, rule names, layer commands, errors) is
//! hostile: it goes through `report::escape::markdown`, since a record file
//! can hold anything.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{FleetReport, Growth};
use crate::report::escape::markdown::{cell_code, cell_text, code};
use crate::units::bytes;

/// Write `r` as markdown to `out`.
pub fn write_markdown(r: &FleetReport, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::new();
    summary(&mut s, r);
    top_images(&mut s, r);
    rules(&mut s, r);
    bases(&mut s, r);
    shared_layers(&mut s, r);
    fixes(&mut s, r);
    if let Some(g) = &r.growth {
        growth(&mut s, g);
    }
    failures(&mut s, r);
    out.write_all(s.as_bytes())
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0 %".into()
    } else {
        format!("{:.1} %", part as f64 * 100.0 / whole as f64)
    }
}

fn short(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    let cut: String = hex.chars().take(12).collect();
    cell_code(&cut)
}

fn command(c: &Option<String>) -> String {
    c.as_deref().map_or_else(|| "—".into(), cell_code)
}

fn summary(s: &mut String, r: &FleetReport) {
    let _ = writeln!(s, "# Fleet report\n");
    let _ = writeln!(
        s,
        "{} images in {} repositories: {} analysed, {} failed, {} over budget.\n",
        r.images, r.repositories, r.analysed, r.failed, r.over_budget
    );
    let _ = writeln!(s, "| | bytes |\n|---|---:|");
    let _ = writeln!(
        s,
        "| stored once per unique layer ({} layers) | {} |",
        r.unique_layers,
        bytes(r.stored_bytes)
    );
    let _ = writeln!(
        s,
        "| pulled, one pull per image | {} |",
        bytes(r.pulled_bytes)
    );
    let _ = writeln!(
        s,
        "| shared layers spare the registry | {} ({}) |",
        bytes(r.pulled_bytes.saturating_sub(r.stored_bytes)),
        percent(
            r.pulled_bytes.saturating_sub(r.stored_bytes),
            r.pulled_bytes
        )
    );
    let _ = writeln!(
        s,
        "| reclaimable, summed over images (uncompressed) | {} |\n",
        bytes(r.reclaimable_bytes)
    );
    let _ = writeln!(
        s,
        "Stored and pulled bytes are blob (compressed) bytes; reclaimable and rule bytes \
         are uncompressed, as in an image's own report.\n"
    );
}

fn top_images(s: &mut String, r: &FleetReport) {
    if r.top_images.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Top images by reclaimable bytes\n");
    let _ = writeln!(
        s,
        "| image | pulled | shipped | reclaimable | efficiency | largest rule |\n\
         |---|---:|---:|---:|---:|---|"
    );
    for i in &r.top_images {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.1} % | {} |",
            cell_code(&i.reference),
            bytes(i.blob_bytes),
            bytes(i.shipped_bytes),
            bytes(i.reclaimable_bytes),
            i.efficiency * 100.0,
            i.top_rule.as_deref().map_or_else(|| "—".into(), cell_code)
        );
    }
    s.push('\n');
}

fn rules(s: &mut String, r: &FleetReport) {
    if r.rules.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Rules by bytes across the fleet\n");
    let _ = writeln!(s, "| rule | bytes | images |\n|---|---:|---:|");
    for row in r.rules.iter().take(r.top) {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            cell_code(&row.rule),
            bytes(row.bytes),
            row.images
        );
    }
    s.push('\n');
}

fn bases(s: &mut String, r: &FleetReport) {
    let _ = writeln!(s, "## Bases by use\n");
    let _ = writeln!(
        s,
        "A base is the longest run of first layers an image shares with another image \
         (another image ID). {} images share none.\n",
        r.images_without_shared_base
    );
    if r.bases.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "| base | looks like | layers | size | images | waste in its layers | reclaimable in its images |\n\
         |---|---|---:|---:|---:|---:|---:|"
    );
    for b in &r.bases {
        let name = match &b.image {
            Some(image) => cell_code(image),
            None => format!("chain {}", short(&b.chain_id)),
        };
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            b.hint.as_deref().map_or_else(|| "—".into(), cell_text),
            b.layers,
            bytes(b.blob_bytes),
            b.images,
            bytes(b.waste_bytes),
            bytes(b.reclaimable_bytes)
        );
    }
    s.push('\n');
}

fn shared_layers(s: &mut String, r: &FleetReport) {
    if r.shared_layers.is_empty() {
        return;
    }
    let _ = writeln!(s, "## Most shared layers\n");
    let _ = writeln!(
        s,
        "| layer | size | images | pulled for them | made by | e.g. in |\n|---|---:|---:|---:|---|---|"
    );
    for l in &r.shared_layers {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            short(&l.diff_id),
            bytes(l.blob_bytes),
            l.images,
            bytes(l.blob_bytes * l.images as u64),
            command(&l.command),
            cell_code(&l.example)
        );
    }
    s.push('\n');
}

fn fixes(s: &mut String, r: &FleetReport) {
    if r.fixes.is_empty() {
        return;
    }
    let storage: u64 = r.fixes.iter().map(|f| f.storage_saved).sum();
    let pull: u64 = r.fixes.iter().map(|f| f.pull_saved).sum();
    let _ = writeln!(s, "## What the top {} fixes would save\n", r.fixes.len());
    let _ = writeln!(
        s,
        "A fix removes one rule's waste from one layer; every image using the layer gains. \
         Together: **{}** of registry storage ({}) and **{}** of pull traffic ({}). \
         Estimates: finding bytes scaled by their layer's compression ratio.\n",
        bytes(storage),
        percent(storage, r.stored_bytes),
        bytes(pull),
        percent(pull, r.pulled_bytes)
    );
    let _ = writeln!(
        s,
        "| rule | layer | made by | images | bytes | storage saved | pull traffic saved | e.g. in |\n\
         |---|---|---|---:|---:|---:|---:|---|"
    );
    for f in &r.fixes {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell_code(&f.rule),
            short(&f.diff_id),
            command(&f.command),
            f.images,
            bytes(f.bytes),
            bytes(f.storage_saved),
            bytes(f.pull_saved),
            cell_code(&f.example)
        );
    }
    s.push('\n');
}

fn change(old: u64, new: u64) -> String {
    if new >= old {
        format!("{} → {} (+{})", bytes(old), bytes(new), bytes(new - old))
    } else {
        format!("{} → {} (−{})", bytes(old), bytes(new), bytes(old - new))
    }
}

fn growth(s: &mut String, g: &Growth) {
    let _ = writeln!(s, "## Growth since the compared scan\n");
    let _ = writeln!(
        s,
        "{} → {} images: {} new, {} gone, {} rebuilt (new digest).\n",
        g.old_images,
        g.new_images,
        g.added.len(),
        g.removed.len(),
        g.rebuilt
    );
    let _ = writeln!(s, "| | then → now |\n|---|---|");
    let _ = writeln!(
        s,
        "| stored | {} |",
        change(g.old_stored_bytes, g.new_stored_bytes)
    );
    let _ = writeln!(
        s,
        "| pulled | {} |",
        change(g.old_pulled_bytes, g.new_pulled_bytes)
    );
    let _ = writeln!(
        s,
        "| reclaimable | {} |\n",
        change(g.old_reclaimable_bytes, g.new_reclaimable_bytes)
    );
    if !g.grown.is_empty() {
        let _ = writeln!(s, "| image | pulled | reclaimable |\n|---|---|---|");
        for c in &g.grown {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                cell_code(&c.reference),
                change(c.old_blob_bytes, c.new_blob_bytes),
                change(c.old_reclaimable_bytes, c.new_reclaimable_bytes)
            );
        }
        s.push('\n');
    }
    for (title, list) in [("New images", &g.added), ("Gone images", &g.removed)] {
        if !list.is_empty() {
            let names: Vec<String> = list.iter().map(|r| code(r)).collect();
            let _ = writeln!(s, "{title}: {}.\n", names.join(", "));
        }
    }
}

fn failures(s: &mut String, r: &FleetReport) {
    if r.failures.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "## Images that could not be analysed ({})\n",
        r.failures.len()
    );
    let _ = writeln!(s, "| image | error |\n|---|---|");
    for f in &r.failures {
        let _ = writeln!(
            s,
            "| {} | {} |",
            cell_code(&f.reference),
            cell_text(&f.error)
        );
    }
    s.push('\n');
}
