package org.efiemu.uefi.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A condition over a service call's arguments, as written after {@code if} in {@code break AllocatePages if Type ==
 * AllocateMaxAddress && Pages >= 16}. The language: argument names of the service's prototype (see
 * {@link ServiceArguments}; {@code *Memory} reads through the pointer), spec constants ({@code AllocateMaxAddress},
 * {@code EfiLoaderData}), numbers ({@code 0x100000}, {@code 16}, {@code 1MiB}), comparisons {@code == != < <= > >=}
 * (unsigned), {@code &&}, {@code ||}, {@code !} and parentheses. Names are checked when the condition is parsed.
 */
public final class ServiceCondition implements Predicate<ServiceArguments> {
    private interface Node {
        long eval(ServiceArguments a);
    }

    private static final Pattern TOKEN = Pattern.compile(
            "\\s*(\\|\\||&&|==|!=|<=|>=|<|>|!|\\(|\\)|\\*?[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9A-Fa-f]+|[0-9]+(?:KiB|MiB|GiB)?)");

    private final String text;
    private final Node root;

    private ServiceCondition(String text, Node root) {
        this.text = text;
        this.root = root;
    }

    /**
     * Parses {@code text} for calls of {@code service}; throws {@link IllegalArgumentException} naming the condition,
     * the column and what was expected.
     */
    public static ServiceCondition parse(String service, String text) {
        return new Parser(service, text).parse();
    }

    @Override
    public boolean test(ServiceArguments a) {
        return root.eval(a) != 0;
    }

    @Override
    public String toString() {
        return text;
    }

    private static final class Parser {
        private final String service;
        private final String text;
        private final List<String> tokens = new ArrayList<>();
        private final List<Integer> columns = new ArrayList<>();
        private int pos;

        Parser(String service, String text) {
            this.service = service;
            this.text = text;
            Matcher m = TOKEN.matcher(text);
            int at = 0;
            while (at < text.length()) {
                if (text.substring(at).isBlank()) break;
                if (!m.find(at) || m.start() != at) {
                    int bad = at;
                    while (Character.isWhitespace(text.charAt(bad))) bad++;
                    throw new IllegalArgumentException(String.format("condition '%s' at column %d: expected a name, "
                            + "number, comparison or parenthesis, found '%s'", text, bad + 1, text.charAt(bad)));
                }
                tokens.add(m.group(1));
                columns.add(m.start(1));
                at = m.end();
            }
        }

        ServiceCondition parse() {
            if (tokens.isEmpty()) throw error(0, "a condition");
            Node n = or();
            if (pos < tokens.size()) throw error(columns.get(pos), "&&, || or the end of the condition");
            return new ServiceCondition(text.trim(), n);
        }

        private IllegalArgumentException error(int column, String expected) {
            String found = pos < tokens.size() ? "'" + tokens.get(pos) + "'" : "the end";
            return new IllegalArgumentException(String.format("condition '%s' at column %d: expected %s, found %s",
                    text, column + 1, expected, found));
        }

        private String peek() {
            return pos < tokens.size() ? tokens.get(pos) : null;
        }

        private boolean accept(String t) {
            if (t.equals(peek())) {
                pos++;
                return true;
            }
            return false;
        }

        private Node or() {
            Node left = and();
            while (accept("||")) {
                Node l = left;
                Node r = and();
                left = a -> l.eval(a) != 0 || r.eval(a) != 0 ? 1 : 0;
            }
            return left;
        }

        private Node and() {
            Node left = not();
            while (accept("&&")) {
                Node l = left;
                Node r = not();
                left = a -> l.eval(a) != 0 && r.eval(a) != 0 ? 1 : 0;
            }
            return left;
        }

        private Node not() {
            if (accept("!")) {
                Node n = not();
                return a -> n.eval(a) == 0 ? 1 : 0;
            }
            return comparison();
        }

        private Node comparison() {
            Node l = atom();
            String op = peek();
            if (op == null || !List.of("==", "!=", "<", "<=", ">", ">=").contains(op)) return l;
            pos++;
            Node r = atom();
            return switch (op) {
                case "==" -> a -> l.eval(a) == r.eval(a) ? 1 : 0;
                case "!=" -> a -> l.eval(a) != r.eval(a) ? 1 : 0;
                case "<" -> a -> Long.compareUnsigned(l.eval(a), r.eval(a)) < 0 ? 1 : 0;
                case "<=" -> a -> Long.compareUnsigned(l.eval(a), r.eval(a)) <= 0 ? 1 : 0;
                case ">" -> a -> Long.compareUnsigned(l.eval(a), r.eval(a)) > 0 ? 1 : 0;
                default -> a -> Long.compareUnsigned(l.eval(a), r.eval(a)) >= 0 ? 1 : 0;
            };
        }

        private Node atom() {
            String t = peek();
            int column = pos < columns.size() ? columns.get(pos) : text.length();
            if (t == null) throw error(text.length(), "a name, number or '('");
            if (accept("(")) {
                Node n = or();
                if (!accept(")")) throw error(pos < columns.size() ? columns.get(pos) : text.length(), "')'");
                return n;
            }
            if (Character.isDigit(t.charAt(0))) {
                pos++;
                long v = Values.parseNumber(t, "number");
                return a -> v;
            }
            if (Character.isLetter(t.charAt(0)) || t.charAt(0) == '_' || t.charAt(0) == '*') {
                Long constant = Values.constant(t);
                if (constant != null) {
                    pos++;
                    long v = constant;
                    return a -> v;
                }
                List<String> names = ServiceArguments.names(service);
                boolean known = names.isEmpty() ? t.matches("Arg[0-9]+")
                        : names.stream().anyMatch(n -> n.equalsIgnoreCase(t) || ("*" + n).equalsIgnoreCase(t));
                if (!known) {
                    throw new IllegalArgumentException(String.format("condition '%s' at column %d: '%s' is neither an "
                            + "argument of %s (%s) nor a spec constant such as AllocateMaxAddress or EfiLoaderData",
                            text, column + 1, t, service, names.isEmpty() ? "Arg1..ArgN" : String.join(", ", names)));
                }
                pos++;
                return a -> a.has(t) ? a.get(t) : 0; // *Pointer of a NULL/wild pointer reads as 0
            }
            throw error(column, "a name, number or '('");
        }
    }
}
