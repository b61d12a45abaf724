// A test program for wasmdbg's DWARF support, in Rust: ints, doubles,
// structs, references, arrays and strings. Built (see README.md here):
//   rustc --target wasm32-wasip1 -g -C opt-level=0 shapes.rs -o shapes-rs-debug.wasm
//   rustc --target wasm32-wasip1 -g -C opt-level=2 shapes.rs -o shapes-rs-release.wasm

#[derive(Clone, Copy)]
struct Point {
    x: i32,
    y: i32,
}

struct Shape {
    name: &'static str,
    corners: [Point; 3],
    scale: f64,
}

#[inline(never)]
fn area2(s: &Shape) -> i32 {
    let mut sum = 0;
    for i in 0..3 {
        let a = &s.corners[i];
        let b = &s.corners[(i + 1) % 3];
        sum += a.x * b.y - b.x * a.y;
    }
    sum
}

#[inline(never)]
fn scaled(s: &Shape, doubled: i32) -> f64 {
    let result = s.scale * doubled as f64 / 2.0;
    result
}

fn main() {
    let argc = std::env::args().count() as i32;
    let mut tri = Shape {
        name: "triangle",
        corners: [Point { x: 0, y: 0 }, Point { x: 4, y: 0 }, Point { x: 0, y: 3 }],
        scale: 1.5,
    };
    tri.corners[1].x = argc + 3;
    let values = [10, 20, 30, 40, 50];
    let big: i64 = 1 << 40;
    let doubled = area2(&tri);
    let a = scaled(&tri, doubled);
    println!("{} {} {:.2} {} {}", tri.name, doubled, a, values[argc as usize + 1], big);
}
