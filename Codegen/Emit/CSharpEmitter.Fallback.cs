using System.Reflection;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

public sealed partial class CSharpEmitter
{
    /// <summary>
    /// A node without generated code calls its op's reference kernel: inputs are copied into Tensors,
    /// the results are copied into the node's planned places. Correct, allocating, reported. The kernel is
    /// called by name (a public static method of Engine.Runtime) so the class stays standalone; other
    /// kernels go through a delegate the constructor receives.
    /// </summary>
    private void EmitFallback(Node node, ValueScope scope, string reason, CodeBuffer target)
    {
        var kernel = node.Schema.Kernel
            ?? throw new EngineException($"cpu backend: node '{node.Name}': op {node.Schema.QualifiedName} has neither a lowering ({reason}) nor a reference kernel");
        string call = KernelCall(kernel, out bool byName);
        string attrs = AttributeField(node);
        string name = NameField(node.Name);
        _report.Add(node.Name, node.Schema.QualifiedName, NodeOutcome.Fallback, reason + (byName ? "" : " (kernel passed as a delegate: not standalone)"));

        var outs = string.Join(", ", node.Outputs.Where(o => o is not null).Select(o => o!.Type.ToString()));
        target.Comment($"{SafeText.CommentName(node.Schema.QualifiedName)} '{SafeText.CommentName(node.Name)}' -> {outs}: reference kernel ({SafeText.CommentText(reason)})");
        target.Line("{");
        string c = Fresh("ctx");
        string r = Fresh("res");
        target.Line($"var {c} = new KernelContext({attrs}, {node.Outputs.Count}, {name}) {{ Threads = _threads, Random = new Random({StableSeed(_options.Seed, node.Name)}) }};");
        var args = node.Inputs.Select(v =>
        {
            if (v is null) return "null";
            int w = scope.WeightIndex(v);
            if (w >= 0) return WeightTable.TensorExpr(w);
            return $"Load((byte*){scope.Pointer(v)}, {SafeText.DataTypeExpr(v.Type.Elem)}, {ShapeField(v.Type.StaticShape())})";
        });
        target.Line($"var {r} = {call}({c}, new Tensor[] {{ {string.Join(", ", args)} }});");
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } o) continue;
            target.Line($"Store({r}, {i}, {SafeText.DataTypeExpr(o.Type.Elem)}, {ShapeField(o.Type.StaticShape())}, (byte*){scope.Pointer(o)}, {c});");
        }
        target.Line("}");
    }

    private string KernelCall(Kernel kernel, out bool byName)
    {
        var m = kernel.Method;
        var t = m.DeclaringType;
        byName = kernel.Target is null && m.IsStatic && m.IsPublic && !m.ContainsGenericParameters && t is not null && t.IsVisible
                 && !t.ContainsGenericParameters && t.Assembly == typeof(Tensor).Assembly && t.FullName is { } fn
                 && fn.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '+') && m.Name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
        if (byName) return "global::" + t!.FullName!.Replace('+', '.') + "." + m.Name;
        _kernels.Add(kernel);
        return $"_kernels[{_kernels.Count - 1}]";
    }

    /// <summary>The reference executor's per-node seed, so random fallbacks draw the same numbers.</summary>
    private static int StableSeed(int seed, string name)
    {
        uint h = 2166136261u ^ (uint)seed;
        foreach (char ch in name) h = (h ^ ch) * 16777619u;
        return (int)(h & 0x7FFFFFFF);
    }

    private string NameField(string name)
    {
        string f = Fresh("_name");
        _fields.Add($"private readonly string {f};");
        _ctor.Line($"{f} = {SafeText.StringExpr(name)};");
        return f;
    }

    /// <summary>An AttributeMap field rebuilt in the constructor from literals (schema defaults included).</summary>
    private string AttributeField(Node node)
    {
        string f = Fresh("_attrs");
        _fields.Add($"private readonly AttributeMap {f};");
        _ctor.Line($"{f} = new AttributeMap() {{ Owner = {SafeText.StringExpr($"node '{node.Name}' ({node.OpType})")} }};");
        var names = node.Attributes.Explicit.Select(kv => kv.Key)
            .Concat(node.Attributes.Defaults?.Explicit.Select(kv => kv.Key) ?? [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var a in names)
        {
            var value = node.Attributes.Get(a);
            if (value is null) continue;
            _ctor.Line($"{f}.Set({SafeText.StringExpr(a)}, {AttributeLiteral(node, a, value)});");
        }
        return f;
    }

    private string AttributeLiteral(Node node, string name, object value)
    {
        string Weight(Tensor t) => WeightTable.TensorExpr(_weights.Index(t, $"attribute of node {node.Name}"));
        switch (value)
        {
            case long l:
                return SafeText.Int(l) + "L";
            case float f:
                return SafeText.Float(f);
            case string s:
                return SafeText.StringExpr(s);
            case long[] a when a.Length > 64:
                return $"(long[]){Weight(Tensor.FromArray((long[])a.Clone(), a.Length))}.Data.Clone()";
            case long[] a:
                return "new long[] { " + string.Join(", ", a.Select(x => SafeText.Int(x) + "L")) + " }";
            case float[] a when a.Length > 64:
                return $"(float[]){Weight(Tensor.FromArray((float[])a.Clone(), a.Length))}.Data.Clone()";
            case float[] a:
                return "new float[] { " + string.Join(", ", a.Select(SafeText.Float)) + " }";
            case string[] a:
                return "new string[] { " + string.Join(", ", a.Select(SafeText.StringExpr)) + " }";
            case Tensor t:
                return Weight(t);
            case IEnumerable<Tensor> ts:
                return "new Tensor[] { " + string.Join(", ", ts.Select(Weight)) + " }";
            default:
                throw new EngineException($"cpu backend: node '{node.Name}': attribute '{name}' ({value.GetType().Name}) cannot be rebuilt in generated code");
        }
    }
}
