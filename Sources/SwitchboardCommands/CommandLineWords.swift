/// Splits a command line into words the way a POSIX shell does for simple commands:
/// whitespace separates words; single quotes keep everything; double quotes keep all but
/// `\"`, `\\` and `\$`; a backslash outside quotes escapes the next character.
///
/// No expansion happens (no variables, globs or substitutions), so nothing runs that the
/// user did not spell out.
enum CommandLineWords {
    struct SplitError: Error, CustomStringConvertible {
        var description: String
    }

    static func split(_ line: String) throws(SplitError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = line.makeIterator()
        while let ch = iterator.next() {
            switch ch {
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" {
                        closed = true
                        break
                    }
                    current.append(next)
                }
                if !closed { throw SplitError(description: "unterminated single quote in '\(line)'") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" {
                        closed = true
                        break
                    }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { break }
                        if escaped == "\"" || escaped == "\\" || escaped == "$" || escaped == "`" {
                            current.append(escaped)
                        } else {
                            current.append("\\")
                            current.append(escaped)
                        }
                    } else {
                        current.append(next)
                    }
                }
                if !closed { throw SplitError(description: "unterminated double quote in '\(line)'") }
            case "\\":
                inWord = true
                if let escaped = iterator.next() { current.append(escaped) }
            default:
                inWord = true
                current.append(ch)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
