using Engine.Graph;

namespace Engine.Passes;

/// <summary>
/// The nodes of one candidate match of a decomposed-op pattern. A match may only be replaced when it
/// is closed: every value it produces, except the root's result, is read only inside the match and is
/// neither pinned nor a graph output — otherwise the rewrite would hide or duplicate a value someone
/// still observes.
/// </summary>
internal sealed class PatternMatch
{
    private readonly HashSet<Node> _nodes = new();
    private readonly RewriteContext _c;

    public PatternMatch(RewriteContext c) => _c = c;

    public IReadOnlyCollection<Node> Nodes => _nodes;

    /// <summary>Adds <paramref name="n"/> and returns it (null passes through, so chains read naturally).</summary>
    public Node? Add(Node? n)
    {
        if (n is not null) _nodes.Add(n);
        return n;
    }

    /// <summary>The producer of <paramref name="v"/> when it is of op <paramref name="op"/>; it joins the match.</summary>
    public Node? Take(Value? v, string op) => Add(RewriteContext.Producer(v, op));

    /// <summary>True when every value produced by the match except <paramref name="result"/> stays internal.</summary>
    public bool IsClosed(Value result)
    {
        foreach (var n in _nodes)
        {
            foreach (var o in n.Outputs)
            {
                if (o is null || o == result) continue;
                if (!_c.IsFree(o)) return false;
                foreach (var u in o.Users)
                {
                    if (!_nodes.Contains(u)) return false;
                }
            }
        }
        return true;
    }

    /// <summary>
    /// Checks closure and that <paramref name="result"/> may be replaced, then builds the replacement
    /// and rewires every reader of <paramref name="result"/> to it. Nothing is touched on failure.
    /// </summary>
    public bool Commit(Value result, Func<Value> build)
    {
        if (!IsClosed(result) || _c.Pass.PinnedValues.Contains(result.Name)) return false;
        var replacement = build();
        _c.Replace(result, replacement);
        return true;
    }
}
