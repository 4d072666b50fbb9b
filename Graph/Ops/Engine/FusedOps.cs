namespace Engine.Graph.Ops;

/// <summary>
/// ai.engine::Fused — a fusion group produced by the optimizer: its <c>body</c> is a closed subgraph
/// whose inputs are the group's external inputs (in the node's input order) and whose outputs are
/// the group's outputs (in the node's output order); small constants may live in the body as
/// initializers. <c>kind</c> tells the code generator how to lower it ("elementwise",
/// "conv-epilogue", "reduce-prologue", …). The reference kernel runs the body, so fused graphs are
/// checked against unfused ones by the same interpreter.
/// </summary>
public sealed class FusedOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add(OpRegistry.EngineDomain, "Fused").Since(1).In("inputs*").Out("outputs+")
            .RequiredAttr("body", AttrType.Graph)
            .RequiredAttr("kind", AttrType.String)
            .Infer(Infer)
            .WithGraphKernel((ctx, inputs) => ctx.RunSubgraph(ctx.GetGraph("body"), inputs))
            // A group is already the unit of code generation: it never fuses further.
            .Fuses(FusionKind.Opaque);
    }

    private static void Infer(InferenceContext ctx)
    {
        if (ctx.Attributes.Get("body") is not Graph body) throw ctx.Fail("attribute 'body' should be a graph");
        if (body.Inputs.Count != ctx.InputCount)
            throw ctx.Fail($"the body takes {body.Inputs.Count} inputs but the node has {ctx.InputCount}");
        if (body.Outputs.Count != ctx.OutputCount)
            throw ctx.Fail($"the body has {body.Outputs.Count} outputs but the node has {ctx.OutputCount}");
        for (int i = 0; i < ctx.InputCount; i++)
        {
            var (outer, inner) = (ctx.Input(i)?.Elem ?? Runtime.DataType.Undefined, body.Inputs[i].Type.Elem);
            if (outer != Runtime.DataType.Undefined && inner != Runtime.DataType.Undefined && outer != inner)
                throw ctx.Fail($"input {i} is {Runtime.DataTypes.ShortName(outer)} but the body expects {Runtime.DataTypes.ShortName(inner)}");
        }
        for (int i = 0; i < ctx.OutputCount; i++) ctx.SetOutput(i, body.Outputs[i].Type);
    }
}
