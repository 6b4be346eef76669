//! JSONPath, intrinsic functions and Parameters templates over arbitrary
//! expressions and documents: errors are fine, panics are not.
#![no_main]

use jobs_asl::internals::Intrinsic;
use jobs_asl::internals::Path;
use jobs_asl::internals::Template;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The input is `expr NUL input NUL context NUL value`: plain text, so the
/// seeds are readable and the fuzzer's dictionary of JSON tokens applies.
struct Input {
    expr: String,
    input: String,
    ctx: String,
    value: String,
}

impl Input {
    fn split(data: &[u8]) -> Input {
        let mut parts = data
            .splitn(4, |b| *b == 0)
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let mut next = || parts.next().unwrap_or_default();
        Input {
            expr: next(),
            input: next(),
            ctx: next(),
            value: next(),
        }
    }
}

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fuzz_target!(|data: &[u8]| {
    let x = Input::split(data);
    let (input, ctx, value) = (doc(&x.input), doc(&x.ctx), doc(&x.value));

    for path in [Path::parse(&x.expr), Path::parse_reference(&x.expr)]
        .into_iter()
        .flatten()
    {
        let _ = path.select(&input, &ctx);
        let _ = path.select_from(&input);
        let _ = path.take(input.clone(), &ctx);
        let _ = path.may_read_context(&["Execution", "Input"]);
    }
    // `set` is for reference paths only (a ResultPath), as the loader uses it.
    if let Ok(path) = Path::parse_reference(&x.expr) {
        let _ = path.set(input.clone(), value.clone());
    }
    if let Ok(call) = Intrinsic::parse(&x.expr) {
        let _ = call.eval(&input, &ctx);
    }
    // The expression as a template, and as the value of a `.$` key, the two
    // ways a Parameters block reaches the evaluator.
    let template =
        serde_json::from_str(&x.expr).unwrap_or_else(|_| serde_json::json!({ "v.$": x.expr }));
    if let Ok(t) = Template::compile(&template) {
        let _ = t.eval(&input, &ctx);
    }
});
