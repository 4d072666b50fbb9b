using Engine.Graph;
using Engine.Onnx;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Cli.Commands.Evaluation;

/// <summary>
/// An ONNX classifier as something the training loop can fine-tune: its float initializers are the parameters
/// (starting from the file's values, not re-initialized), and each forward graph is a fresh import of the file
/// with the loop's weights, the input renamed "x" with a fixed batch and the output "logits". Imported graphs
/// carry no training-mode variants, so training and inference graphs are the same.
/// </summary>
public sealed class ImportedModelDefinition(byte[] onnx, string name) : IModelDefinition
{
    public string Name { get; } = name;

    public Dictionary<string, Tensor> InitWeights(int[] sampleShape, int classes, Rng rng)
    {
        var g = Import();
        return g.InitializerValues.Where(v => g.InitializerData(v) is { Type: DataType.Float, Length: > 0 })
            .ToDictionary(v => v.Name, v => g.InitializerData(v)!.Clone(), StringComparer.Ordinal);
    }

    public ModelGraph Forward(Dim batch, int[] sampleShape, int classes, IReadOnlyDictionary<string, Tensor> weights, bool training)
    {
        var g = Import();
        foreach (var v in g.InitializerValues.ToArray())
        {
            if (weights.TryGetValue(v.Name, out var t)) g.SetInitializer(v, t);
        }
        var inputs = g.Inputs.Where(v => !g.IsInitializer(v)).ToList();
        if (inputs.Count != 1 || g.Outputs.Count < 1) throw new EngineException($"{Name}: fine-tuning needs one input and a logits output");
        var x = inputs[0];
        var dims = x.Type.Dims ?? throw new EngineException($"{Name}: input '{x.Name}' has no known rank");
        if (dims.Length != sampleShape.Length + 1 || dims.Skip(1).Zip(sampleShape).Any(p => p.First.IsKnown && p.First.Value != p.Second))
            throw new EngineException($"{Name}: input '{x.Name}' is {x.Type} but the data's samples are {Tensor.ShapeString(sampleShape)}");
        x.Type = new TensorType(x.Type.Elem, [batch, .. sampleShape.Select(d => (Dim)d)]);
        x.Name = Trainer.InputName;
        TypePropagation.Run(g);
        var logits = g.Outputs[0];
        logits.Name = "logits";
        while (g.Outputs.Count > 1) g.Outputs.RemoveAt(g.Outputs.Count - 1);
        return new ModelGraph(g, x, logits);
    }

    private Graph.Graph Import() => new OnnxImporter().Import(Onnx.Proto.ModelProto.Parser.ParseFrom(onnx), Name).Graph;
}
