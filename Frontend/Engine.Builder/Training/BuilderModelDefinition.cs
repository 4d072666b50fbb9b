using Engine.Graph;
using Engine.Runtime;
using Engine.Training;

namespace Engine.Builder;

/// <summary>
/// Lets the training loop (<see cref="Trainer"/>, <c>engine train</c>) train a model defined with the
/// builder: the model is built for the data's sample shape and class count, its parameters are
/// initialized from the loop's seeded generator, and each lowering (training or inference mode) names
/// the input "x" and the output "logits" as the loop expects.
/// </summary>
/// <param name="keepWeights">Start from parameters that already have values (transfer learning) instead of re-initializing them.</param>
public sealed class BuilderModelDefinition(string name, Func<long[], int, Model> create, bool keepWeights = false) : IModelDefinition
{
    private Model? _model;
    private (string Shape, int Classes) _key;

    public string Name { get; } = name;

    /// <summary>The builder model for these sizes (built once, then reused with new weights).</summary>
    public Model ModelFor(int[] sampleShape, int classes)
    {
        var key = (Tensor.ShapeString(sampleShape), classes);
        if (_model is null || _key != key)
        {
            _model = create(sampleShape.Select(d => (long)d).ToArray(), classes);
            if (_model.Inputs.Count != 1 || _model.Outputs.Count != 1)
                throw new EngineException($"model '{Name}': the training loop needs one input and one output, the model has {_model.Inputs.Count} and {_model.Outputs.Count}");
            _key = key;
        }
        return _model;
    }

    public Dictionary<string, Tensor> InitWeights(int[] sampleShape, int classes, Rng rng)
    {
        var model = ModelFor(sampleShape, classes);
        int seed = (int)(rng.NextUInt64() & 0x7fffffff);
        foreach (var p in model.Parameters.Where(p => !keepWeights || p.Data is null)) p.Assign(p.Initializer.Create(p.Shape, p.FanIn, p.FanOut, new Random(HashCode.Combine(seed, p.Name) & 0x7fffffff)));
        return model.Parameters.ToDictionary(p => p.Name, p => p.Data!, StringComparer.Ordinal);
    }

    public Engine.Training.ModelGraph Forward(Dim batch, int[] sampleShape, int classes, IReadOnlyDictionary<string, Tensor> weights, bool training)
    {
        var model = ModelFor(sampleShape, classes);
        foreach (var p in model.Parameters)
            p.Assign(weights.TryGetValue(p.Name, out var t) ? t : throw new EngineException($"model '{Name}': weight '{p.Name}' is missing"));
        var built = model.ToGraph(training ? BuildMode.Training : BuildMode.Inference, batch);
        var g = built.Graph;
        var x = g.Inputs[0];
        x.Name = Trainer.InputName;
        var logits = g.Outputs[0];
        logits.Name = "logits";
        // Running statistics are state the step updates, not parameters; non-trainable layers stay as they are.
        var buffers = built.StateUpdates.Select(u => (built.Parameters[u.Buffer], u.Next)).ToList();
        var frozen = model.Parameters.Where(p => !p.IsBuffer && !p.IsTrainable).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return new Engine.Training.ModelGraph(g, x, logits, buffers, frozen);
    }
}
