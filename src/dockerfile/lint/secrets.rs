//! Secrets in `ENV` and `ARG` names (the name list is `crate::secret`'s).

use super::super::ast::Kind;
use super::{Linter, quote_list};
use crate::secret::secret_name;

impl Linter<'_> {
    /// Secrets in ENV and ARG names.
    pub(super) fn secrets(&mut self) {
        let df = self.df;
        for ins in df.instructions() {
            let (id, what) = match ins.kind {
                Kind::Env => (
                    "secret-in-env",
                    "ENV values are stored in the image config: anyone who pulls the image can read",
                ),
                Kind::Arg => (
                    "secret-in-arg",
                    "build-arg values are recorded in the image history of every RUN after the ARG:",
                ),
                _ => continue,
            };
            let names: Vec<&str> = ins
                .pairs
                .iter()
                .map(|p| p.0.as_str())
                .filter(|n| secret_name(n))
                .collect();
            if names.is_empty() {
                continue;
            }
            self.push(
                id,
                ins,
                format!("{what} {}", quote_list(&names)),
                "pass it at build time with RUN --mount=type=secret,id=<name> (docker build --secret id=<name>,src=<file>), and at run time through the environment or a mounted file".into(),
            );
        }
    }
}
