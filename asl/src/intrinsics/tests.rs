use super::*;
use crate::error::Failure;
use serde_json::json;
use serde_json::Value;

fn run(src: &str, input: Value) -> Result<Value, Failure> {
    Intrinsic::parse(src)
        .unwrap()
        .eval(&input, &json!({"Execution": {"Name": "exec-1"}}))
}

#[test]
fn format_with_escapes_and_types() {
    assert_eq!(
        run(
            "States.Format('Hello, {}! n={} b={} z={}', $.name, $.n, true, null)",
            json!({"name": "Ann", "n": 3})
        )
        .unwrap(),
        json!("Hello, Ann! n=3 b=true z=null")
    );
    assert_eq!(
        run(r"States.Format('it\'s \{\} {}', 'x')", json!({})).unwrap(),
        json!("it's {} x")
    );
    assert_eq!(
        run("States.Format('{}', $$.Execution.Name)", json!({})).unwrap(),
        json!("exec-1")
    );
    assert!(Intrinsic::parse("States.Format('{} {}', 'x')").is_err());
    // Objects and arrays print as Java prints AWS's parsed JSON.
    assert_eq!(
        run(
            "States.Format('{}|{}', $.o, $.a)",
            json!({"o": {"Arg1": 1, "Arg2": [], "s": "t"}, "a": [1, "x", {"k": null}]})
        )
        .unwrap(),
        json!("{Arg1=1, Arg2=[], s=t}|[1, x, {k=null}]")
    );
    // Escapes other than \', \{, \} and \\ are refused, as AWS refuses them.
    assert!(Intrinsic::parse(r"States.Format('a\nb')").is_err());
    assert!(Intrinsic::parse(r"States.Format('a\\b')").is_ok());
}

#[test]
fn math_add_rounds_half_up_and_string_to_json_reads_blank_and_negative_zero() {
    assert_eq!(
        run("States.MathAdd(-1.5, 0)", json!({})).unwrap(),
        json!(-1)
    );
    assert_eq!(run("States.MathAdd(1.5, 0)", json!({})).unwrap(), json!(2));
    assert_eq!(
        run("States.MathAdd(-2.5, 1)", json!({})).unwrap(),
        json!(-1)
    );
    assert_eq!(
        run("States.StringToJson('')", json!({})).unwrap(),
        Value::Null
    );
    assert_eq!(
        run("States.StringToJson(' ')", json!({})).unwrap(),
        Value::Null
    );
    let zero = run("States.StringToJson('-0')", json!({})).unwrap();
    assert_eq!(zero.to_string(), "0");
}

#[test]
fn json_round_trip() {
    assert_eq!(
        run("States.StringToJson($.s)", json!({"s": "{\"a\":[1,2]}"})).unwrap(),
        json!({"a": [1, 2]})
    );
    assert_eq!(
        run("States.JsonToString($.o)", json!({"o": {"a": 1}})).unwrap(),
        json!("{\"a\":1}")
    );
    assert!(run("States.StringToJson($.s)", json!({"s": "{"})).is_err());
}

#[test]
fn arrays() {
    assert_eq!(
        run(
            "States.Array(1, 'two', $.x, States.Array())",
            json!({"x": [3]})
        )
        .unwrap(),
        json!([1, "two", [3], []])
    );
    assert_eq!(
        run("States.ArrayGetItem($.a, 1)", json!({"a": [5, 6, 7]})).unwrap(),
        json!(6)
    );
    assert!(run("States.ArrayGetItem($.a, 3)", json!({"a": [5]})).is_err());
    assert_eq!(
        run("States.ArrayLength($.a)", json!({"a": [5, 6]})).unwrap(),
        json!(2)
    );
    assert_eq!(
        run("States.ArrayContains($.a, 2)", json!({"a": [1, 2.0]})).unwrap(),
        json!(true)
    );
    assert_eq!(
        run("States.ArrayRange(1, 9, 3)", json!({})).unwrap(),
        json!([1, 4, 7])
    );
    assert_eq!(
        run("States.ArrayRange(3, 1, -1)", json!({})).unwrap(),
        json!([3, 2, 1])
    );
    assert!(run("States.ArrayRange(0, 5000, 1)", json!({})).is_err());
    assert_eq!(
        run("States.ArrayUnique($.a)", json!({"a": [1, 2, 1, "a", "a"]})).unwrap(),
        json!([1, 2, "a"])
    );
    assert_eq!(
        run("States.ArrayPartition($.a, 2)", json!({"a": [1, 2, 3]})).unwrap(),
        json!([[1, 2], [3]])
    );
}

#[test]
fn math_and_uuid() {
    assert_eq!(
        run("States.MathAdd($.a, -3)", json!({"a": 10})).unwrap(),
        json!(7)
    );
    assert!(run("States.MathAdd($.a, 1)", json!({"a": "x"})).is_err());
    assert_eq!(
        run("States.MathAdd(1.6, 2.2)", json!({})).unwrap(),
        json!(4)
    );
    let r = run("States.MathRandom(5, 7)", json!({}))
        .unwrap()
        .as_i64()
        .unwrap();
    assert!((5..7).contains(&r));
    let a = run("States.MathRandom(0, 1000, 42)", json!({})).unwrap();
    assert_eq!(a, run("States.MathRandom(0, 1000, 42)", json!({})).unwrap());
    let u = run("States.UUID()", json!({})).unwrap();
    assert_eq!(u.as_str().unwrap().len(), 36);
    assert_ne!(u, run("States.UUID()", json!({})).unwrap());
}

#[test]
fn hashes_and_base64() {
    let h = |alg: &str| run(&format!("States.Hash('abc', '{alg}')"), json!({})).unwrap();
    assert_eq!(h("MD5"), json!("900150983cd24fb0d6963f7d28e17f72"));
    assert_eq!(
        h("SHA-1"),
        json!("a9993e364706816aba3e25717850c26c9cd0d89d")
    );
    assert_eq!(
        h("SHA-256"),
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(h("SHA-384").as_str().unwrap().len(), 96);
    assert_eq!(h("SHA-512").as_str().unwrap().len(), 128);
    assert!(run("States.Hash('abc', 'CRC')", json!({})).is_err());
    assert_eq!(
        run("States.Base64Encode('hi there')", json!({})).unwrap(),
        json!("aGkgdGhlcmU=")
    );
    assert_eq!(
        run(
            "States.Base64Decode(States.Base64Encode($.s))",
            json!({"s": "é"})
        )
        .unwrap(),
        json!("é")
    );
}

#[test]
fn split_and_merge() {
    assert_eq!(
        run("States.StringSplit($.s, ',;')", json!({"s": "a,b;c"})).unwrap(),
        json!(["a", "b", "c"])
    );
    assert_eq!(
        run(
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"x": 1, "y": 1}, "b": {"y": 2}})
        )
        .unwrap(),
        json!({"x": 1, "y": 2})
    );
}

#[test]
fn parse_errors() {
    for bad in [
        "States.Nope(1)",
        "States.ArrayLength()",
        "States.UUID(1)",
        "States.Format('x'",
        "States.Array(1) junk",
        "States.Array(abc)",
        "States.Array('unterminated)",
    ] {
        assert!(Intrinsic::parse(bad).is_err(), "{bad} should not parse");
    }
}

#[test]
fn missing_path_argument_fails() {
    let e = run("States.ArrayLength($.nope)", json!({})).unwrap_err();
    assert_eq!(e.error, "States.Runtime");
    assert!(e.cause.contains("$.nope"), "{}", e.cause);
}
