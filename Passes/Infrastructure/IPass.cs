using Engine.Graph;

namespace Engine.Passes;

/// <summary>A named graph transform. Returns true when it changed the graph.</summary>
public interface IPass
{
    /// <summary>Stable name used by --disable-pass, dumps and reports.</summary>
    string Name { get; }

    /// <summary>The lowest optimization level (0–3) whose pipeline includes the pass.</summary>
    int Level { get; }

    bool Run(Graph.Graph graph, PassContext context);
}
