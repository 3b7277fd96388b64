//! The Dockerfile parser, variable expansion and linter: parse the input,
//! lint it, and expand every instruction's words in the scope it runs in.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

use ballast::dockerfile::Dockerfile;
use ballast::dockerfile::lint::{Context, lint};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(df) = Dockerfile::parse(&text, "Dockerfile") else {
        return;
    };
    let _ = lint(
        &df,
        &Context {
            dir: None,
            ignore: None,
        },
    );
    let build_args = HashMap::from([("A".to_string(), "$B${C:-d}".to_string())]);
    let globals = df.global_scope(&build_args);
    let _ = globals.breach();
    for (s, stage) in df.stages.iter().enumerate() {
        let _ = globals.expand(&stage.from.args_text());
        for (i, ins) in stage.instructions.iter().enumerate() {
            let scope = df.scope_at(s, i, &build_args);
            for word in ins.words() {
                let _ = scope.expand(&word);
            }
            let _ = ins.copy_paths();
            let _ = ins.mounts();
        }
    }
});
