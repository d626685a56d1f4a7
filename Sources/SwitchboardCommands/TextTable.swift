/// A plain-text table for terminals: columns padded to their widest cell, long cells cut.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []
    var maximumCellWidth = 60

    init(_ headers: String...) { self.headers = headers }

    init(headers: [String]) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }

    mutating func add(row cells: [String]) { rows.append(cells) }

    func render() -> String {
        func clip(_ text: String) -> String {
            let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            return flat.count > maximumCellWidth ? String(flat.prefix(maximumCellWidth - 1)) + "…" : flat
        }
        let table = [headers] + rows.map { $0.map(clip) }
        var widths = Array(repeating: 0, count: headers.count)
        for row in table {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        var lines: [String] = []
        for (number, row) in table.enumerated() {
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                let padded = index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
                line += (index == 0 ? "" : "  ") + padded
            }
            lines.append(line)
            if number == 0 { lines.append(widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string padded with spaces on the left to `width` characters.
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
