//! Every Rust type wasmdbg's data formatters know, alive at one line
//! (`show`), for tests/cli/formatters.rs. Built as tests/guests/README.md
//! says (debug and release).

use std::cell::{Cell, RefCell};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ffi::OsString;
use std::hash::BuildHasherDefault;
use std::hint::black_box;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

#[derive(Debug)]
struct Account {
    name: String,
    balance: i64,
}

#[derive(Debug)]
enum Shape {
    Circle { radius: f64 },
    Rect(u32, u32),
    Empty,
}

struct Wrapper(i32);

type Fixed = BuildHasherDefault<DefaultHasher>;

#[inline(never)]
fn sum(xs: &[i64]) -> i64 {
    let mut total = 0;
    for x in xs {
        total += x;
    }
    total
}

#[inline(never)]
fn show(accounts: &Vec<Account>, word: &str, xs: &mut [i64]) -> usize {
    let name = String::from("wasmdbg");
    let empty = String::new();
    let numbers: Vec<i64> = vec![10, 20, 30];
    let mut deque: VecDeque<i32> = VecDeque::with_capacity(4);
    deque.push_back(2);
    deque.push_back(3);
    deque.push_front(1);
    let array = [1u8, 2, 3];
    let long: Vec<u32> = (0..300).collect();
    let some: Option<i32> = Some(5);
    let none: Option<i32> = None;
    let ok: Result<u8, String> = Ok(7);
    let err: Result<u8, String> = Err(String::from("bad"));
    let circle = Shape::Circle { radius: 1.5 };
    let rect = Shape::Rect(3, 4);
    let nothing = Shape::Empty;
    let boxed: Box<i32> = Box::new(42);
    let rc = Rc::new(String::from("shared"));
    let rc2 = Rc::clone(&rc);
    let weak = Rc::downgrade(&rc);
    let arc = Arc::new(9u64);
    let cell = Cell::new(8);
    let refcell = RefCell::new(vec![1, 2]);
    let borrowed = refcell.borrow();
    // A fixed hasher (not RandomState's random keys), so the entries'
    // order is the same in every run.
    let mut map: HashMap<String, i32, Fixed> = HashMap::default();
    map.insert("one".into(), 1);
    map.insert("two".into(), 2);
    let set: HashSet<u16, Fixed> = [7u16].into_iter().collect();
    let mut tree: BTreeMap<u32, &str> = BTreeMap::new();
    for i in 0..20 {
        tree.insert(i, if i % 2 == 0 { "even" } else { "odd" });
    }
    let tset: BTreeSet<char> = ['b', 'a'].into_iter().collect();
    let tuple = (1i32, 'x', true);
    let unit = ();
    let letter = 'é';
    let path = PathBuf::from("/tmp/data.txt");
    let os = OsString::from("os");
    let wrapper = Wrapper(-1);
    let count = accounts.len() + word.len() + xs.len(); // show: all alive
    black_box((&name, &empty, &numbers, &deque, &array, &long, &some, &none));
    black_box((&ok, &err, &circle, &rect, &nothing, &boxed, &rc2, &weak));
    black_box((&arc, &cell, &borrowed, &map, &set, &tree, &tset, &tuple));
    black_box((&unit, &letter, &path, &os, &wrapper.0));
    xs[0] = sum(xs);
    count
}

fn main() {
    let accounts = vec![
        Account { name: String::from("alice"), balance: 100 },
        Account { name: String::from("bob"), balance: -5 },
    ];
    let mut xs = [3i64, 4, 5];
    let n = show(&accounts, "hello", &mut xs);
    println!("{n} {} {:?}", xs[0], accounts[1]);
}
