#pragma once
// Aligned columns for human output. Cells are made one-line and terminal-safe here (a name
// with a newline or an escape sequence cannot break or repaint the table).
#include <algorithm>
#include <string>
#include <vector>

#include "cli/term.hpp"

namespace nxp::cli {

class Table {
  public:
    explicit Table(std::vector<std::string> header) { add(std::move(header)); }
    void add(std::vector<std::string> row) {
        for (auto& cell : row) cell = terminal_safe(cell, /*one_line=*/true);
        rows_.push_back(std::move(row));
    }
    std::string render() const {
        std::vector<std::size_t> width;
        for (const auto& r : rows_)
            for (std::size_t i = 0; i < r.size(); ++i) {
                if (width.size() <= i) width.push_back(0);
                width[i] = std::max(width[i], r[i].size());
            }
        std::string out;
        for (const auto& r : rows_) {
            std::string line;
            for (std::size_t i = 0; i < r.size(); ++i) {
                line += r[i];
                if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
            }
            out += line + "\n";
        }
        return out;
    }

  private:
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace nxp::cli
