//! A component exporting functions with WIT values, for wasmdbg's
//! `--invoke` tests (see ../README.md for the build command).

wit_bindgen::generate!({ world: "calc", path: "wit" });

struct Calc;

impl Guest for Calc {
    fn greet(name: String) -> String {
        format!("hello, {name}!")
    }

    fn sum(xs: Vec<i64>) -> i64 {
        let mut total = 0;
        for x in xs {
            total += x;
        }
        total
    }

    fn midpoint(a: Point, b: Point) -> Point {
        Point {
            x: (a.x + b.x) / 2,
            y: (a.y + b.y) / 2,
        }
    }

    fn first_word(text: String) -> Option<String> {
        text.split_whitespace().next().map(str::to_string)
    }

    fn checked_div(a: i32, b: i32) -> Result<i32, String> {
        if b == 0 {
            return Err(format!("cannot divide {a} by zero"));
        }
        Ok(a / b)
    }

    /// Divides without a check of its own: `b == 0` panics.
    fn divide(a: i32, b: i32) -> i32 {
        let quotient = a / b;
        quotient
    }
}

export!(Calc);
