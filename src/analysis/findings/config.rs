//! The image config's hygiene: a container that runs as root (`root-user`)
//! and one without a health check (`no-healthcheck`).

use super::Input;
use super::{Finding, finding};
use crate::vocab::{Category, Rule, Severity};

pub(super) fn config_rules(input: &Input, out: &mut Vec<Finding>) {
    let cfg = input.config.config.as_ref();
    let user = cfg.and_then(|c| c.user.as_deref()).unwrap_or("").trim();
    let uid = user.split(':').next().unwrap_or("");
    if uid.is_empty() || uid == "root" || uid == "0" {
        let shown = if user.is_empty() {
            "no USER is set".to_string()
        } else {
            format!("USER is `{user}`")
        };
        out.push(finding(
            Rule::RootUser,
            Category::Security,
            Severity::Medium,
            0,
            None,
            Vec::new(),
            format!(
                "{shown}, so the container runs as root: add a user and switch to it at the end of the \
                 Dockerfile (`RUN useradd --system --uid 10001 app` then `USER 10001`)"
            ),
            Vec::new(),
        ));
    }
    let healthcheck = cfg.and_then(|c| c.healthcheck.as_ref());
    let disabled = healthcheck
        .and_then(|h| h.get("Test"))
        .and_then(|t| t.as_array())
        .is_some_and(|t| t.first().and_then(|v| v.as_str()) == Some("NONE"));
    if healthcheck.is_none() || disabled {
        out.push(finding(
            Rule::NoHealthcheck,
            Category::Reliability,
            Severity::Low,
            0,
            None,
            Vec::new(),
            "the image has no HEALTHCHECK, so orchestrators that use it cannot tell a hung container from a \
             healthy one: add `HEALTHCHECK CMD …` probing the service (or rely on your orchestrator's probes)"
                .to_string(),
            Vec::new(),
        ));
    }
}
