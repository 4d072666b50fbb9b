using System.Globalization;
using System.Text;

namespace Engine.Tests.Passes.Properties;

/// <summary>One generated construction step: which kind of op to add and three free choices it interprets.</summary>
public readonly record struct GraphStep(int Kind, int A, int B, int C);

/// <summary>
/// What the generator draws: the base input shape, the steps, and which values become outputs.
/// Every combination builds a valid graph, so the shrinker can cut steps or lower numbers freely
/// and still get a graph (smaller and more readable) to test.
/// </summary>
public sealed record GraphRecipe(int[] Shape, GraphStep[] Steps, int ExtraOutput);

/// <summary>
/// Builds IR text from a recipe: elementwise and broadcasting arithmetic, activations, layout
/// round trips (Reshape/Transpose/Unsqueeze/Squeeze), neutral operations, Shape→Gather→Concat→Reshape
/// chains and duplicated subexpressions, all on static shapes. Values stay bounded (|v| ≤ ~1e4) so
/// the comparison tolerance means something.
/// </summary>
public sealed class RandomGraphBuilder
{
    public const int KindCount = 14;

    private static readonly float[] SafeConstants = [-2f, -1.5f, -1f, -0.5f, 0.5f, 1f, 1.5f, 2f];
    private static readonly string[] Unary = ["Relu", "Sigmoid", "Tanh", "Neg", "Abs", "Exp", "Identity"];

    private readonly StringBuilder _inits = new();
    private readonly StringBuilder _body = new();
    private readonly List<Item> _pool = new();
    private int _next;

    private sealed record Item(string Name, int[] Shape, double Bound);

    /// <summary>The IR text of the recipe's graph.</summary>
    public static string Build(GraphRecipe r) => new RandomGraphBuilder().BuildText(r);

    private string BuildText(GraphRecipe r)
    {
        var shape = r.Shape;
        // A second input whose shape broadcasts against the first (a suffix with some dims set to 1).
        var second = shape.Skip(shape.Length > 1 ? 1 : 0).Select((d, i) => i % 2 == 1 ? 1 : d).ToArray();
        _pool.Add(new Item("x", shape, 1));
        _pool.Add(new Item("w", second, 1));
        foreach (var s in r.Steps) Emit(s);
        // Outputs: the last value plus, optionally, an earlier one (which other nodes may still read).
        var outputs = new List<Item> { _pool[^1] };
        var extra = _pool[r.ExtraOutput % _pool.Count];
        if (r.ExtraOutput % 3 != 0 && extra.Name is not ("x" or "w") && extra != outputs[0]) outputs.Add(extra);
        var sb = new StringBuilder();
        sb.Append("graph main(%x: f32").Append(ShapeText(shape)).Append(", %w: f32").Append(ShapeText(second)).Append(") -> (")
          .AppendJoin(", ", outputs.Select(o => "%" + o.Name)).Append(") {\n");
        sb.Append(_inits).Append(_body).Append("}\n");
        return sb.ToString();
    }

    private static string ShapeText(int[] s) => "[" + string.Join(",", s) + "]";

    private static string F(double v) => v.ToString("0.0###", CultureInfo.InvariantCulture);

    private string Fresh(string prefix = "v") => $"{prefix}{_next++}";

    private Item Pick(int k) => _pool[k % _pool.Count];

    private Item Add(string name, int[] shape, double bound)
    {
        var it = new Item(name, shape, bound);
        _pool.Add(it);
        return it;
    }

    private string Node(string op, string inputs, string attrs = "", int[]? shape = null, double bound = 0)
    {
        var name = Fresh();
        _body.Append("  %").Append(name).Append(" = ").Append(op).Append('(').Append(inputs).Append(')');
        if (attrs.Length > 0) _body.Append(" {").Append(attrs).Append('}');
        _body.Append('\n');
        if (shape is not null) Add(name, shape, bound);
        return name;
    }

    private string FloatInit(int[] shape, Func<int, float> value)
    {
        var name = Fresh("c");
        int n = shape.Aggregate(1, (a, b) => a * b);
        _inits.Append("  init %").Append(name).Append(": f32").Append(ShapeText(shape)).Append(" = [")
              .AppendJoin(", ", Enumerable.Range(0, n).Select(i => F(value(i)))).Append("]\n");
        return name;
    }

    private string IntInit(params long[] values)
    {
        var name = Fresh("k");
        _inits.Append("  init %").Append(name).Append(": i64[").Append(values.Length).Append("] = [")
              .AppendJoin(", ", values).Append("]\n");
        return name;
    }

    /// <summary>A shape that broadcasts to <paramref name="s"/>: maybe drop leading dims, maybe set some to 1.</summary>
    private static int[] BroadcastableTo(int[] s, int choice)
    {
        int drop = s.Length == 0 ? 0 : choice % (s.Length + 1);
        return s.Skip(drop).Select((d, i) => ((choice >> (i + 2)) & 1) == 1 ? 1 : d).ToArray();
    }

    private static int[]? Broadcast(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i - (r - a.Length) >= 0 ? a[i - (r - a.Length)] : 1;
            int db = i - (r - b.Length) >= 0 ? b[i - (r - b.Length)] : 1;
            if (da != db && da != 1 && db != 1) return null;
            o[i] = Math.Max(da, db);
        }
        return o;
    }

    private static int[] Permutation(int rank, int seed)
    {
        var p = Enumerable.Range(0, rank).ToArray();
        var rng = new Random(seed);
        for (int i = rank - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>Keeps magnitudes small: a value that grew too large is squashed by Tanh before use.</summary>
    private Item Tame(Item x) =>
        x.Bound <= 50 ? x : Find(Node("Tanh", "%" + x.Name, shape: x.Shape, bound: 1));

    private Item Find(string name) => _pool.First(p => p.Name == name);

    private void Emit(GraphStep s)
    {
        var x = Tame(Pick(s.A));
        var xs = x.Shape;
        switch (s.Kind % KindCount)
        {
            case 0: // Add/Sub/Mul of two values that broadcast, or of a value and a constant.
            case 1:
            case 2:
                {
                    string op = (s.Kind % KindCount) switch { 0 => "Add", 1 => "Sub", _ => "Mul" };
                    var y = Tame(Pick(s.B));
                    string other;
                    int[] outShape;
                    double bound;
                    if (Broadcast(xs, y.Shape) is { } bs && s.C % 4 != 0)
                    {
                        other = y.Name;
                        outShape = bs;
                        bound = op == "Mul" ? x.Bound * y.Bound : x.Bound + y.Bound;
                    }
                    else
                    {
                        var cs = BroadcastableTo(xs, s.C);
                        other = FloatInit(cs, i => SafeConstants[(s.C + i) % SafeConstants.Length]);
                        outShape = Broadcast(xs, cs)!;
                        bound = op == "Mul" ? x.Bound * 2 : x.Bound + 2;
                    }
                    var (a, b) = s.B % 2 == 0 ? (x.Name, other) : (other, x.Name);
                    Node(op, $"%{a}, %{b}", shape: outShape, bound: bound);
                    break;
                }
            case 3: // Division by a safe (never tiny) constant.
                {
                    var cs = BroadcastableTo(xs, s.C);
                    var c = FloatInit(cs, i => SafeConstants[(s.B + i) % SafeConstants.Length]);
                    Node("Div", $"%{x.Name}, %{c}", shape: Broadcast(xs, cs), bound: x.Bound * 2);
                    break;
                }
            case 4: // Unary activations; Exp only of bounded values.
                {
                    var op = Unary[s.B % Unary.Length];
                    if (op == "Exp" && x.Bound > 4) x = Find(Node("Tanh", "%" + x.Name, shape: xs, bound: 1));
                    double bound = op switch { "Sigmoid" or "Tanh" => 1, "Exp" => Math.Exp(x.Bound), _ => x.Bound };
                    Node(op, "%" + x.Name, shape: xs, bound: bound);
                    break;
                }
            case 5: // Reshape to a flat or two-dim form and back.
                {
                    int n = xs.Aggregate(1, (a, b) => a * b);
                    var mid = s.B % 2 == 0 || xs.Length == 0 ? IntInit(n) : IntInit(xs[0], -1);
                    var back = IntInit(xs.Select(d => (long)d).ToArray());
                    var m = Node("Reshape", $"%{x.Name}, %{mid}");
                    Node("Reshape", $"%{m}, %{back}", shape: xs, bound: x.Bound);
                    break;
                }
            case 6: // A transpose, sometimes undone by its inverse, sometimes kept.
                {
                    if (xs.Length < 2) goto case 4;
                    // Without a perm attribute Transpose reverses the axes.
                    bool reverse = s.B % 5 == 0;
                    var p = reverse ? Enumerable.Range(0, xs.Length).Reverse().ToArray() : Permutation(xs.Length, s.B);
                    var t = Node("Transpose", "%" + x.Name, reverse ? "" : $"perm = [{string.Join(", ", p)}]", shape: p.Select(i => xs[i]).ToArray(), bound: x.Bound);
                    if (s.C % 2 == 0)
                    {
                        var inv = new int[p.Length];
                        for (int i = 0; i < p.Length; i++) inv[p[i]] = i;
                        Node("Transpose", "%" + t, $"perm = [{string.Join(", ", inv)}]", shape: xs, bound: x.Bound);
                    }
                    break;
                }
            case 7: // Unsqueeze then Squeeze of the same axis (possibly written negative).
                {
                    int r = xs.Length + 1;
                    int axis = s.B % r;
                    var ax = IntInit(s.C % 2 == 0 ? axis : axis - r);
                    var u = Node("Unsqueeze", $"%{x.Name}, %{ax}", shape: [.. xs[..axis], 1, .. xs[axis..]], bound: x.Bound);
                    var ax2 = IntInit(s.C % 3 == 0 ? axis - r : axis);
                    Node("Squeeze", $"%{u}, %{ax2}", shape: xs, bound: x.Bound);
                    break;
                }
            case 8: // Cast to the same type, or Expand to a shape that may or may not grow the value.
                if (s.B % 2 == 0) Node("Cast", "%" + x.Name, "to = 1", shape: xs, bound: x.Bound);
                else
                {
                    var target = s.C % 2 == 0 ? xs : [.. new[] { 2 }, .. xs];
                    var sh = IntInit(target.Select(d => (long)d).ToArray());
                    Node("Expand", $"%{x.Name}, %{sh}", shape: target, bound: x.Bound);
                }
                break;
            case 9: // ×1 or +0 (−0, ÷1), with a constant that may or may not broadcast the value to a larger shape.
                {
                    var cs = s.C % 3 == 0 ? [.. new[] { 2 }, .. xs] : BroadcastableTo(xs, s.C);
                    var (op, k) = (s.B % 4) switch { 0 => ("Mul", 1f), 1 => ("Add", 0f), 2 => ("Sub", 0f), _ => ("Div", 1f) };
                    var c = FloatInit(cs, _ => k);
                    // 0 − x is not neutral (and x stays away from 0 as a divisor): a rule that forgets
                    // which side is neutral must be caught.
                    var (a, b) = op is "Mul" or "Add" or "Sub" && s.B % 8 >= 4 ? (c, x.Name) : (x.Name, c);
                    Node(op, $"%{a}, %{b}", shape: Broadcast(xs, cs), bound: x.Bound);
                    break;
                }
            case 10: // Shape→Gather→Concat→Reshape on a static shape, then back through Shape of the original.
                {
                    if (xs.Length == 0) goto case 8;
                    int axis = s.B % xs.Length;
                    var idx = IntInit(axis);
                    var minus1 = IntInit(-1);
                    var sh = Node("Shape", "%" + x.Name);
                    var g = Node("Gather", $"%{sh}, %{idx}", "axis = 0");
                    var cat = Node("Concat", $"%{g}, %{minus1}", "axis = 0");
                    int n = xs.Aggregate(1, (a, b) => a * b);
                    var r = Node("Reshape", $"%{x.Name}, %{cat}", shape: [xs[axis], n / Math.Max(1, xs[axis])], bound: x.Bound);
                    if (s.C % 2 == 0)
                    {
                        var sh2 = Node("Shape", "%" + x.Name);
                        Node("Reshape", $"%{r}, %{sh2}", shape: xs, bound: x.Bound);
                    }
                    break;
                }
            case 11: // A duplicated subexpression, both copies used.
                {
                    var op = Unary[s.B % Unary.Length];
                    if (op == "Exp" && x.Bound > 4) op = "Tanh";
                    double bound = op switch { "Sigmoid" or "Tanh" => 1, "Exp" => Math.Exp(x.Bound), _ => x.Bound };
                    var a = Node(op, "%" + x.Name);
                    var b = Node(op, "%" + x.Name);
                    Node(s.C % 2 == 0 ? "Add" : "Mul", $"%{a}, %{b}", shape: xs, bound: s.C % 2 == 0 ? 2 * bound : bound * bound);
                    break;
                }
            case 12: // A Constant node as an operand.
                {
                    var cs = BroadcastableTo(xs, s.C);
                    int n = cs.Aggregate(1, (a, b) => a * b);
                    var values = string.Join(", ", Enumerable.Range(0, n).Select(i => F(SafeConstants[(s.B + i) % SafeConstants.Length])));
                    var c = Node("Constant", "", $"value = f32{ShapeText(cs)} [{values}]");
                    Node("Mul", $"%{x.Name}, %{c}", shape: Broadcast(xs, cs), bound: x.Bound * 2);
                    break;
                }
            default: // Squeeze away a unit dim, or Unsqueeze one, alone.
                {
                    int unit = Array.IndexOf(xs, 1);
                    if (unit >= 0 && s.B % 2 == 0)
                    {
                        var ax = IntInit(unit);
                        Node("Squeeze", $"%{x.Name}, %{ax}", shape: xs.Where((_, i) => i != unit).ToArray(), bound: x.Bound);
                    }
                    else if (xs.Length < 5)
                    {
                        int axis = s.C % (xs.Length + 1);
                        var ax = IntInit(axis);
                        Node("Unsqueeze", $"%{x.Name}, %{ax}", shape: [.. xs[..axis], 1, .. xs[axis..]], bound: x.Bound);
                    }
                    else goto case 8;
                    break;
                }
        }
    }
}
