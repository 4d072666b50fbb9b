using Engine.Runtime;

namespace Engine.Codegen.Lowerings.Elementwise;

/// <summary>A float32 operand of an elementwise loop: a <c>float*</c> expression and its (broadcastable) shape.</summary>
internal readonly record struct LoopOperand(string Pointer, int[] Shape);

/// <summary>One result of an elementwise loop: the expression computing it and the <c>float*</c> it is stored to.</summary>
internal readonly record struct LoopResult(ElementwiseExpr Expr, string Pointer);

/// <summary>
/// Writes one loop nest over a broadcast plan that evaluates an expression DAG per output element
/// (all results share the output shape). Loop bodies are Vector512, Vector256 or scalar; every result
/// is computed before any is stored, so an output may alias an operand of the output's full shape.
/// </summary>
internal static class ElementwiseLoop
{
    public static void Emit(Action<string> line, Func<string, string> fresh, VectorPath path,
        IReadOnlyList<LoopOperand> operands, int[] outShape, IReadOnlyList<LoopResult> results)
    {
        var plan = BroadcastPlan.Create(outShape, operands.Select(o => o.Shape).ToList());
        long total = Tensor.ElementCount(outShape);
        if (total != plan.Sizes.Aggregate(1L, (a, b) => a * b)) throw new EngineException("cpu backend: loop plan covers the wrong number of elements");
        if (total == 0) return;
        bool vector = path != VectorPath.Scalar && results.All(r => ElementwiseOps.Vectorizable(r.Expr));
        string vt = path == VectorPath.Vector512 ? "Vector512" : "Vector256";
        int width = path == VectorPath.Vector512 ? 16 : 8;
        vector &= plan.Inner >= width;

        line("{");
        var a = operands.Select(_ => fresh("a")).ToArray();
        var d = results.Select(_ => fresh("d")).ToArray();
        for (int k = 0; k < operands.Count; k++) line($"float* {a[k]} = {operands[k].Pointer};");
        for (int r = 0; r < results.Count; r++) line($"float* {d[r]} = {results[r].Pointer};");
        string od = fresh("od");
        line($"long {od} = 0;");
        int outer = plan.Sizes.Length - 1;
        var idx = Enumerable.Range(0, outer).Select(_ => fresh("i")).ToArray();
        for (int dim = 0; dim < outer; dim++) line($"for (long {idx[dim]} = 0; {idx[dim]} < {plan.Sizes[dim]}; {idx[dim]}++) {{");
        var b = new string[operands.Count];
        var s = new string[operands.Count];
        var vs = new string[operands.Count];
        for (int k = 0; k < operands.Count; k++)
        {
            var terms = Enumerable.Range(0, outer).Where(x => plan.Strides[k][x] != 0).Select(x => $"{idx[x]} * {plan.Strides[k][x]}").ToList();
            b[k] = fresh("b");
            line($"long {b[k]} = {(terms.Count == 0 ? "0" : string.Join(" + ", terms))};");
            if (plan.Strides[k][^1] == 0)
            {
                s[k] = fresh("s");
                line($"float {s[k]} = {a[k]}[{b[k]}];");
                if (vector)
                {
                    vs[k] = fresh("vs");
                    line($"var {vs[k]} = {vt}.Create({s[k]});");
                }
            }
        }
        string j = fresh("j");
        line($"long {j} = 0;");
        if (vector)
        {
            line($"for (; {j} <= {plan.Inner - width}; {j} += {width}) {{");
            var leaves = Enumerable.Range(0, operands.Count).Select(k => plan.Strides[k][^1] == 0 ? vs[k] : $"{vt}.Load({a[k]} + {b[k]} + {j})").ToArray();
            var roots = EmitDag(line, fresh, results.Select(r => r.Expr).ToList(), leaves, (o, x) => ElementwiseOps.Vector(o, x, vt));
            for (int r = 0; r < results.Count; r++) line($"{roots[r]}.Store({d[r]} + {od} + {j});");
            line("}");
        }
        line($"for (; {j} < {plan.Inner}; {j}++) {{");
        var sl = Enumerable.Range(0, operands.Count).Select(k => plan.Strides[k][^1] == 0 ? s[k] : $"{a[k]}[{b[k]} + {j}]").ToArray();
        var sroots = EmitDag(line, fresh, results.Select(r => r.Expr).ToList(), sl, ElementwiseOps.Scalar);
        for (int r = 0; r < results.Count; r++) line($"{d[r]}[{od} + {j}] = {sroots[r]};");
        line("}");
        line($"{od} += {plan.Inner};");
        for (int dim = 0; dim < outer; dim++) line("}");
        line("}");
    }

    /// <summary>Evaluates the DAG once per shared sub-expression into locals; returns the roots' locals.</summary>
    private static string[] EmitDag(Action<string> line, Func<string, string> fresh, List<ElementwiseExpr> roots, string[] leaves, Func<OpExpr, string[], string> render)
    {
        var names = new Dictionary<ElementwiseExpr, string>(ReferenceEqualityComparer.Instance);
        string Walk(ElementwiseExpr e)
        {
            if (names.TryGetValue(e, out var n)) return n;
            string result = fresh("e");
            if (e is LeafExpr leaf)
            {
                line($"var {result} = {leaves[leaf.Index]};");
            }
            else
            {
                var o = (OpExpr)e;
                var args = o.Args.Select(Walk).ToArray();
                line($"var {result} = {render(o, args)};");
            }
            names[e] = result;
            return result;
        }
        return roots.Select(Walk).ToArray();
    }
}
