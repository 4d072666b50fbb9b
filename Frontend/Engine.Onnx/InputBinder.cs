using Engine.Runtime;
using IrGraph = Engine.Graph.Graph;

namespace Engine.Onnx;

/// <summary>Matches input tensors to graph inputs: by the tensor's name when it names an input, else by position.</summary>
public static class InputBinder
{
    public static Dictionary<string, Tensor> Bind(IrGraph g, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        var feedable = g.Inputs.Where(v => !g.IsInitializer(v)).ToList();
        var all = g.Inputs.ToList();
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, t) = tensors[i];
            string target;
            if (name.Length > 0 && all.Any(v => v.Name == name)) target = name;
            else if (i < feedable.Count) target = feedable[i].Name;
            else throw new EngineException($"input {i} ('{name}') matches no graph input (the graph takes {feedable.Count}: {string.Join(", ", feedable.Select(v => v.Name))})");
            if (!feeds.TryAdd(target, t)) throw new EngineException($"graph input '{target}' is given twice");
        }
        return feeds;
    }
}
