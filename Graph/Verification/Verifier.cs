using Engine.Runtime;

namespace Engine.Graph;

/// <summary>
/// Checks the IR's invariants, for passes to run after every rewrite and for tests:
/// SSA (each value defined once), topological order with reads dominated by their definitions
/// (or captured from an enclosing graph, defined before the node that holds the subgraph), no
/// cycles, arity and attributes within the op's schema, declared types consistent with the op's
/// inference rule, graph outputs defined, and initializer data matching its value's type.
/// Each problem is one line naming the graph path and node.
/// </summary>
public static class Verifier
{
    public static IReadOnlyList<string> Verify(Graph g)
    {
        var v = new Walker(g);
        v.VerifyGraph(g, new Scope(null), $"graph {IrSyntax.Display(g.Name)}");
        return v.Problems;
    }

    /// <summary>Throws a one-line <see cref="EngineException"/> naming the first problem (and how many more there are).</summary>
    public static void VerifyOrThrow(Graph g)
    {
        var problems = Verify(g);
        if (problems.Count == 0) return;
        var more = problems.Count > 1 ? $" (and {problems.Count - 1} more problem{(problems.Count > 2 ? "s" : "")})" : "";
        throw new EngineException($"invalid IR: {problems[0]}{more}");
    }

    /// <summary>Values visible at a point: this graph's definitions so far, then the enclosing graphs' at the holding node.</summary>
    private sealed class Scope
    {
        public Scope(Scope? parent) => Parent = parent;

        public Scope? Parent { get; }

        public HashSet<Value> Defined { get; } = new();

        public bool Sees(Value v)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Defined.Contains(v)) return true;
            }
            return false;
        }
    }

    private sealed class Walker
    {
        /// <summary>Values defined anywhere in the graph tree, to tell "defined but not visible here" from "defined nowhere".</summary>
        private readonly HashSet<Value> _anywhere = new();

        public Walker(Graph root) => CollectDefinitions(root);

        public List<string> Problems { get; } = new();

        private void CollectDefinitions(Graph g)
        {
            _anywhere.UnionWith(g.Inputs);
            _anywhere.UnionWith(g.InitializerValues);
            foreach (var n in g.Nodes)
            {
                foreach (var o in n.Outputs) if (o is not null) _anywhere.Add(o);
                foreach (var (_, sub) in SubgraphsOf(n)) CollectDefinitions(sub);
            }
        }

        private string NotVisible(Value v) => _anywhere.Contains(v)
            ? $"{Name(v)} is not visible here: it is defined later in an enclosing graph or inside another subgraph"
            : $"{Name(v)} is not defined in this graph or an enclosing one";

        /// <summary>Every definition seen anywhere, to catch a value defined twice (also across graphs).</summary>
        private readonly Dictionary<Value, string> _definedAt = new();

        private void Problem(string where, string message) => Problems.Add($"{where}: {message}");

        private static string Name(Value v) => "%" + IrSyntax.SigilName(v.Name);

        private static string Describe(Node n) => $"node {IrSyntax.Display(n.Name)} ({n.Schema.QualifiedName})";

        private void Define(Value v, string where, string what)
        {
            if (_definedAt.TryGetValue(v, out var first))
                Problem(where, $"value {Name(v)} is defined again as {what} (first defined as {first}); values must be defined once (SSA)");
            else _definedAt[v] = $"{what} in {where}";
        }

        public void VerifyGraph(Graph g, Scope outer, string where)
        {
            var scope = new Scope(outer);
            foreach (var v in g.Inputs)
            {
                Define(v, where, "a graph input");
                scope.Defined.Add(v);
            }
            var inputs = new HashSet<Value>(g.Inputs);
            foreach (var v in g.InitializerValues)
            {
                if (!inputs.Contains(v)) Define(v, where, "an initializer");
                scope.Defined.Add(v);
                CheckInitializer(g, v, where);
            }

            // Where each value is produced in this graph, to tell a late definition (bad order or
            // a cycle) from a value that is not defined anywhere in reach.
            var producedAt = new Dictionary<Value, int>();
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                foreach (var o in g.Nodes[i].Outputs) if (o is not null) producedAt.TryAdd(o, i);
            }
            int problemsBefore = Problems.Count;
            for (int i = 0; i < g.Nodes.Count; i++)
            {
                var n = g.Nodes[i];
                string at = $"{where} > {Describe(n)}";
                if (!ReferenceEquals(n.Owner, g)) Problem(at, "node's Owner is not the graph that lists it");
                for (int k = 0; k < n.Inputs.Count; k++)
                {
                    if (n.Inputs[k] is not { } v) continue;
                    if (scope.Sees(v)) continue;
                    if (producedAt.TryGetValue(v, out int p) && p >= i)
                    {
                        Problem(at, $"input {k} {Name(v)} is read before it is defined (by {Describe(g.Nodes[p])}); nodes must be in topological order");
                    }
                    else
                    {
                        Problem(at, $"input {k} {NotVisible(v)}");
                    }
                }
                foreach (var (attr, sub) in SubgraphsOf(n))
                {
                    if (!ReferenceEquals(sub.Parent, g)) Problem(at, $"subgraph '{attr}' has Parent not set to the graph holding its node");
                    // Captures must be defined before this node: the scope holds exactly those now.
                    VerifyGraph(sub, scope, $"{at}.{attr} (graph {IrSyntax.Display(sub.Name)})");
                }
                CheckSchema(n, at);
                for (int k = 0; k < n.Outputs.Count; k++)
                {
                    if (n.Outputs[k] is not { } o) continue;
                    Define(o, where, $"output {k} of {Describe(n)}");
                    if (!ReferenceEquals(o.Producer, n) || o.ProducerOutput != k)
                        Problem(at, $"output {k} {Name(o)} does not record this node as its producer");
                    scope.Defined.Add(o);
                }
                CheckTypes(n, at);
            }
            // A cycle always shows up as a read that is not dominated (here or in a subgraph's capture),
            // so the search only runs when something was reported.
            if (Problems.Count > problemsBefore && FindCycle(g) is { } cycle)
                Problem(where, $"cycle: {string.Join(" -> ", cycle.Select(Describe))}");

            for (int i = 0; i < g.Outputs.Count; i++)
            {
                var v = g.Outputs[i];
                if (v is null) Problem(where, $"graph output {i} is null");
                else if (!scope.Sees(v)) Problem(where, $"graph output {i} {NotVisible(v)}");
            }
        }

        private static IEnumerable<(string, Graph)> SubgraphsOf(Node n)
        {
            foreach (var kv in n.Attributes.Explicit)
            {
                string name = IrSyntax.Name(kv.Key); // quoted when odd, so messages stay on one line
                if (kv.Value is Graph g) yield return (name, g);
                else if (kv.Value is Graph[] gs) for (int i = 0; i < gs.Length; i++) yield return ($"{name}[{i}]", gs[i]);
            }
        }

        private void CheckInitializer(Graph g, Value v, string where)
        {
            var data = g.InitializerData(v)!;
            var t = v.Type;
            string at = $"{where} > initializer {Name(v)}";
            if (t.Elem != DataType.Undefined && t.Elem != data.Type)
                Problem(at, $"declared {IrPrinter.TypeText(t)} but holds {TensorText.TypeText(data)} data");
            else if (t.Dims is { } dims)
            {
                bool ok = dims.Length == data.Rank;
                for (int i = 0; ok && i < dims.Length; i++) ok = !dims[i].IsKnown || dims[i].Value == data.Shape[i];
                if (!ok) Problem(at, $"declared {IrPrinter.TypeText(t)} but holds {TensorText.TypeText(data)} data");
            }
        }

        private void CheckSchema(Node n, string at)
        {
            var s = n.Schema;
            int count = n.Inputs.Count;
            if (count < s.MinInputs) Problem(at, $"has {count} inputs but {s.QualifiedName} needs at least {s.MinInputs}");
            if (count > s.MaxInputs) Problem(at, $"has {count} inputs but {s.QualifiedName} takes at most {s.MaxInputs}");
            for (int i = 0; i < count && i < s.Inputs.Count; i++)
            {
                var p = s.Inputs[i];
                if (!p.Optional && !p.Variadic && n.Inputs[i] is null) Problem(at, $"required input {i} ({p.Name}) is absent");
            }
            if (n.Outputs.Count > s.MaxOutputs) Problem(at, $"has {n.Outputs.Count} outputs but {s.QualifiedName} has at most {s.MaxOutputs}");
            for (int i = 0; i < s.Outputs.Count; i++)
            {
                var p = s.Outputs[i];
                if (p.Optional || p.Variadic) continue;
                if (i >= n.Outputs.Count || n.Outputs[i] is null) Problem(at, $"required output {i} ({p.Name}) is absent");
            }

            foreach (var spec in s.Attributes.Values)
            {
                if (spec.Required && !n.Attributes.HasExplicit(spec.Name)) Problem(at, $"required attribute {IrSyntax.Display(spec.Name)} is missing");
            }
            foreach (var (name, value) in n.Attributes.Explicit)
            {
                if (!s.Attributes.TryGetValue(name, out var spec))
                {
                    if (!s.AllowsUnknownAttributes) Problem(at, $"unknown attribute {IrSyntax.Display(name)} ({s.QualifiedName} declares {(s.Attributes.Count == 0 ? "none" : string.Join(", ", s.Attributes.Keys))})");
                    continue;
                }
                var kind = KindOf(value);
                // A type-valued attribute (ONNX TYPE_PROTO, kept as a TensorType) is declared as a tensor attribute.
                if (value is TensorType && spec.Type == AttrType.Tensor) continue;
                if (kind != spec.Type)
                    Problem(at, $"attribute {IrSyntax.Display(name)} should be {Word(spec.Type)} but is {(kind is { } k ? Word(k) : value.GetType().Name)}");
            }
        }

        private static string Word(AttrType t) => t.ToString().ToLowerInvariant();

        private static AttrType? KindOf(object value) => value switch
        {
            long => AttrType.Int,
            float => AttrType.Float,
            string => AttrType.String,
            long[] => AttrType.Ints,
            float[] => AttrType.Floats,
            string[] => AttrType.Strings,
            Tensor => AttrType.Tensor,
            Tensor[] => AttrType.Tensors,
            Graph => AttrType.Graph,
            Graph[] => AttrType.Graphs,
            _ => null,
        };

        /// <summary>Runs the op's inference on the node as it stands and compares with the declared output types.</summary>
        private void CheckTypes(Node n, string at)
        {
            if (n.Schema.Inference is not { } infer) return;
            // With an input of no known type at all, inference has nothing to go on; not a problem of the graph.
            if (n.Inputs.Any(v => v is not null && v.Type.Elem == DataType.Undefined && v.Type.Dims is null)) return;
            var ctx = new InferenceContext(n, TypePropagation.ConstantOf);
            try
            {
                infer(ctx);
            }
            catch (EngineException e)
            {
                Problem(at, $"type inference fails: {e.Message}");
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug in the op's inference rule (or a graph it does not expect): report it, never crash the verifier.
                Problem(at, $"type inference crashed ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
                return;
            }
            for (int i = 0; i < n.Outputs.Count; i++)
            {
                if (n.Outputs[i] is not { } v || ctx.Outputs[i] is not { } inferred) continue;
                if (Conflict(v.Type, inferred) is { } why)
                    Problem(at, $"output {i} {Name(v)} is declared {IrPrinter.TypeText(v.Type)} but the op computes {IrPrinter.TypeText(inferred)} ({why})");
            }
        }

        /// <summary>
        /// Like <see cref="TypePropagation.Merge"/>: unknown parts never conflict; known element
        /// types, ranks and constant dims must agree.
        /// </summary>
        private static string? Conflict(TensorType declared, TensorType inferred)
        {
            if (declared.Elem != DataType.Undefined && inferred.Elem != DataType.Undefined && declared.Elem != inferred.Elem)
                return "element type";
            if (declared.Dims is null || inferred.Dims is null) return null;
            if (declared.Dims.Length != inferred.Dims.Length) return "rank";
            for (int i = 0; i < declared.Dims.Length; i++)
            {
                var (a, b) = (declared.Dims[i], inferred.Dims[i]);
                if (a.IsKnown && b.IsKnown && a.Value != b.Value) return $"dim {i}";
            }
            return null;
        }

        /// <summary>A cycle among this graph's nodes (through inputs and subgraph captures), or null.</summary>
        private static List<Node>? FindCycle(Graph g)
        {
            var producer = new Dictionary<Value, Node>();
            var given = new HashSet<Value>(g.Inputs.Concat(g.InitializerValues)); // available from the start, whatever else claims them
            foreach (var n in g.Nodes) foreach (var o in n.Outputs) if (o is not null && !given.Contains(o)) producer.TryAdd(o, n);
            var state = new Dictionary<Node, int>(); // 1 = on the stack, 2 = done
            var path = new List<Node>();
            foreach (var start in g.Nodes)
            {
                if (state.ContainsKey(start)) continue;
                // Iterative DFS: deep graphs must not overflow the stack.
                var stack = new Stack<(Node Node, IEnumerator<Node> Next)>();
                stack.Push((start, Deps(start, producer).GetEnumerator()));
                state[start] = 1;
                path.Add(start);
                while (stack.Count > 0)
                {
                    var (node, next) = stack.Peek();
                    if (next.MoveNext())
                    {
                        var d = next.Current;
                        if (!state.TryGetValue(d, out int st))
                        {
                            state[d] = 1;
                            path.Add(d);
                            stack.Push((d, Deps(d, producer).GetEnumerator()));
                        }
                        else if (st == 1)
                        {
                            var cycle = path.Skip(path.IndexOf(d)).ToList();
                            cycle.Reverse(); // path runs consumer -> producer; print in data-flow order
                            cycle.Add(cycle[0]);
                            return cycle;
                        }
                    }
                    else
                    {
                        state[node] = 2;
                        path.RemoveAt(path.Count - 1);
                        stack.Pop();
                    }
                }
            }
            return null;
        }

        private static IEnumerable<Node> Deps(Node n, Dictionary<Value, Node> producer)
        {
            foreach (var v in Graph.AllReads(n))
            {
                if (producer.TryGetValue(v, out var p)) yield return p;
            }
        }
    }
}
