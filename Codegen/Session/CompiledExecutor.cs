using Engine.Passes;
using Engine.Runtime;

namespace Engine.Codegen;

/// <summary>
/// "Compile, run once, dispose" as an executor function (the conformance runner's and the CLI's compiled
/// backend). A graph whose shapes are not all static is first optimized at level 2 with the given input
/// shapes (constant folding and shape inference usually make them static), as <c>engine run --backend cpu</c>
/// does. Models the backend still cannot take (dynamic shapes, strings, subgraphs) fail with an
/// EngineException containing "not supported".
/// </summary>
public static class CompiledExecutor
{
    public static Func<Graph.Graph, Dictionary<string, Tensor>, Dictionary<string, Tensor>> For(CodegenOptions options) =>
        (graph, feeds) =>
        {
            if (!AllStatic(graph))
            {
                var shapes = feeds.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
                PassManager.Run(graph, Pipelines.ForLevel(2, shapes), new PassContext());
            }
            using var m = CompiledModel.Compile(graph, options);
            return m.Run(feeds);
        };

    private static bool AllStatic(Graph.Graph g) =>
        g.Inputs.All(v => v.Type.IsStatic) && g.Outputs.All(v => v.Type.IsStatic)
        && g.Nodes.All(n => n.Outputs.All(o => o is null || o.Type.IsStatic));
}
