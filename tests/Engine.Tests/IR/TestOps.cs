using Engine.Graph;
using Engine.Graph.Ops;
using Engine.Runtime;

namespace Engine.Tests.IR;

/// <summary>
/// A private registry of small ops for the IR tests, so they do not depend on the op families
/// other work adds to the default registry. Identity and Constant come from the real library.
/// </summary>
internal static class TestOps
{
    public static OpRegistry Registry { get; } = Build();

    private static OpRegistry Build()
    {
        var r = new OpRegistry();
        new ConstantOps().Register(r);
        r.Add("Add").In("A", "B").Out("C").Infer(Shapes.BroadcastInputs);
        r.Add("Relu").In("X").Out("Y").Infer(Shapes.SameAsInput0);
        r.Add("Concat").In("inputs+").Out("concat_result").RequiredAttr("axis", AttrType.Int);
        r.Add("Split2").In("X").Out("first", "second");

        // Optional inputs and outputs in every position.
        r.Add("Opt").In("X", "B?", "C?").Out("Y", "Z?", "W?").Infer(ctx => ctx.SetOutput(0, ctx.Required(0)));

        // Every attribute kind, with defaults where the kind allows one.
        r.Add("Attrs").In("X?").Out("Y?")
            .Attr("i", 0L).Attr("f", 1.0f).Attr("s", "").Attr("ints", Array.Empty<long>())
            .Attr("floats", Array.Empty<float>()).Attr("strings", Array.Empty<string>())
            .OptionalAttr("t", AttrType.Tensor).OptionalAttr("g", AttrType.Graph)
            .OptionalAttr("ts", AttrType.Tensors).OptionalAttr("gs", AttrType.Graphs)
            .OptionalAttr("type", AttrType.Tensor);

        // Cast-like: a required attribute that decides the output type.
        r.Add("Cast").In("input").Out("output").RequiredAttr("to", AttrType.Int)
            .Infer(ctx => ctx.SetOutput(0, (DataType)ctx.Attributes.GetInt("to"), ctx.Required(0).Dims));

        // If-like: outputs typed after the then-branch's outputs.
        r.Add("If").In("cond").Out("outputs+")
            .RequiredAttr("then_branch", AttrType.Graph).RequiredAttr("else_branch", AttrType.Graph)
            .Infer(ctx =>
            {
                var then = (Engine.Graph.Graph)ctx.Attributes.Get("then_branch")!;
                for (int i = 0; i < ctx.OutputCount && i < then.Outputs.Count; i++) ctx.SetOutput(i, then.Outputs[i].Type);
            });

        // An inference rule with a bug: the verifier must report it, not crash.
        r.Add("Buggy").In("X").Out("Y").Infer(ctx => ctx.SetOutput(0, ctx.Required(0) with { Dims = [ctx.Required(0).Dims![ctx.InputCount + 5]] }));

        r.Add("ai.onnx.ml", "TreeEnsemble").In("X").Out("Y").OpenAttributes();
        return r;
    }
}
