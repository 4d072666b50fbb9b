using Engine.Graph;
using Engine.Runtime;

namespace Engine.Builder;

/// <summary>
/// Infers a layer call's output types by emitting its nodes into a throw-away graph whose inputs and
/// parameters are typed graph inputs (no weight data is created), running each op's registry inference.
/// </summary>
internal static class ShapeProbe
{
    public static TensorType[] Infer(Layer layer, IReadOnlyList<TensorType> inputs)
    {
        var g = new Graph.Graph("probe");
        var values = inputs.Select((t, i) => g.AddInput($"in{i}", t)).ToArray();
        var pvals = new Dictionary<Parameter, Value>();
        Value ParamValue(Parameter p)
        {
            if (!pvals.TryGetValue(p, out var v))
            {
                v = g.AddInput(p.Name, TensorType.Of(DataType.Float, p.Shape.Select(d => (long)d).ToArray()));
                pvals[p] = v;
            }
            return v;
        }
        var emitter = new LayerEmitter(g, BuildMode.Inference, 0, ParamValue, (_, _) => { }) { Layer = layer, Scope = layer.Name };
        Value[] outs;
        try
        {
            outs = layer.Emit(emitter, values);
        }
        catch (BuildException)
        {
            throw;
        }
        catch (EngineException e)
        {
            throw BuildException.For(layer, e.Message);
        }
        foreach (var o in outs)
        {
            if (o.Type.Elem == DataType.Undefined || !o.Type.HasRank)
                throw BuildException.For(layer, $"output type could not be inferred from inputs ({string.Join(", ", inputs)})");
        }
        return outs.Select(o => o.Type).ToArray();
    }
}
