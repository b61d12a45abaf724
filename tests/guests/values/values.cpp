// The libc++ types wasmdbg's data formatters know, alive at one line
// (`show`), for tests/cli/formatters.rs. Built as tests/guests/README.md says.
#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct Point {
    int x;
    int y;
};

__attribute__((noinline)) int show(const std::vector<Point> &points) {
    std::string small = "hi";
    std::string large = "a string too long for the short form";
    std::string_view view = large;
    std::vector<int> numbers = {10, 20, 30};
    std::array<short, 3> triple = {1, 2, 3};
    std::unique_ptr<int> unique = std::make_unique<int>(42);
    std::unique_ptr<int> empty;
    std::shared_ptr<Point> shared = std::make_shared<Point>(Point{1, 2});
    std::shared_ptr<Point> shared2 = shared;
    std::optional<int> some = 5;
    std::optional<int> none;
    std::map<int, std::string> ordered = {{2, "two"}, {1, "one"}, {3, "three"}};
    std::unordered_map<std::string, int> hashed = {{"a", 1}};
    int total = (int)points.size() + (int)small.size(); // show: all alive
    total += (int)large.size() + (int)view.size() + numbers[0] + triple[0];
    total += *unique + (empty ? 1 : 0) + shared2->x + *some + (none ? 1 : 0);
    total += (int)ordered.size() + hashed["a"];
    return total;
}

int main() {
    std::vector<Point> points = {{1, 2}, {3, 4}};
    std::printf("%d\n", show(points));
    return 0;
}
