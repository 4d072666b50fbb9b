using Engine.Graph;

namespace Engine.Passes;

/// <summary>
/// A rewrite rule: a pattern rooted at one node (ops, attributes, types, constants) and its
/// replacement. <see cref="TryApply"/> checks the pattern and, on a match, performs the replacement
/// through the context and returns true; it must leave the graph untouched when it returns false.
/// </summary>
public sealed record RewriteRule(string Name, Func<Node, RewriteContext, bool> TryApply);

/// <summary>A named group of rules applied together to a fixpoint by <see cref="RewriteDriver"/>.</summary>
public sealed record RuleSet(string Name, int Level, IReadOnlyList<RewriteRule> Rules) : IPass
{
    public bool Run(Graph.Graph graph, PassContext context) => RewriteDriver.Apply(graph, this, context) > 0;
}
