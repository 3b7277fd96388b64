//! The `multi-stage` estimate: the image rebuilt with a final stage that
//! copies the app without what the build needed.

use super::{BaseInfo, Dropped, Estimate, Facts, propose_dockerfile};
use crate::vocab::{Rule, Strategy};

pub(super) fn multi_stage(base: &BaseInfo, facts: &Facts, shipped: u64) -> Option<Estimate> {
    let mut dropped = facts.dropped.clone();
    if facts.app_hidden > 0 {
        dropped.push(Dropped {
            what: "hidden",
            bytes: facts.app_hidden,
            paths: Vec::new(),
        });
        dropped.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.what.cmp(b.what)));
    }
    let size_after = base.bytes + facts.app_live.saturating_sub(facts.dropped_bytes);
    let saved = shipped.saturating_sub(size_after);
    if saved == 0 || facts.dropped_bytes == 0 && facts.app_hidden == 0 {
        return None;
    }
    let from = if base.layers == 0 {
        "the final stage starts FROM scratch, as the image does".to_string()
    } else {
        format!(
            "the final stage starts FROM the same base ({} layer{}, {})",
            base.layers,
            if base.layers == 1 { "" } else { "s" },
            crate::units::bytes(base.bytes)
        )
    };
    let mut assumptions = vec![
        from,
        "it copies the app's live files from the build stage, less the dropped ones; \
         files deleted or overwritten in the build stage are not carried"
            .to_string(),
        "dropped files are not needed at run time (build tools, dev-only packages, caches, \
         sources of compiled code)"
            .to_string(),
    ];
    if facts
        .dropped
        .iter()
        .any(|d| d.what == Rule::DevDependencies.as_str())
    {
        assumptions.push(
            "production dependencies stay as installed; the build stage prunes the dev-only ones"
                .into(),
        );
    }
    Some(Estimate {
        strategy: Strategy::MultiStage,
        candidate: None,
        size_before: shipped,
        size_after,
        bytes_saved: saved,
        with_multi_stage: None,
        feasible: true,
        assumptions,
        warnings: Vec::new(),
        dropped,
        dockerfile: Some(propose_dockerfile(&facts.app_steps, &facts.plan)),
    })
}
