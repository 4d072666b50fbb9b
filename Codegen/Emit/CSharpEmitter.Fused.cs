using Engine.Codegen.Lowering;
using Engine.Codegen.Lowerings.Elementwise;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

public sealed partial class CSharpEmitter
{
    /// <summary>
    /// An ai.engine::Fused group: one loop when the body is elementwise; the anchor's epilogue lowering when
    /// the body is "anchor + bias/activation/residual"; else its body node by node (intermediates in scratch),
    /// so a group never forces one big fallback.
    /// </summary>
    private void EmitFused(Node node, Graph.Graph body, ValueScope outer, CodeBuffer target)
    {
        var scope = new BodyScope(this, node, body, outer);
        string kind = node.Attributes.Get("kind") as string ?? "?";
        if (FusedElementwise.TryBuild(node, body, out string whyLoop) is { } group)
        {
            var operands = group.Operands.Select(v => new LoopOperand(scope.Pointer(v), v.Type.StaticShape())).ToList();
            var results = group.Roots.Select((r, k) => new LoopResult(r, outer.Pointer(node.Outputs[k]!))).ToList();
            var shape = node.Outputs[0]!.Type.StaticShape();
            target.Comment($"Fused {SafeText.CommentName(kind)} '{SafeText.CommentName(node.Name)}' [{string.Join(" ", body.Nodes.Select(n => SafeText.CommentName(n.OpType)))}] -> {DataTypes.ShortName(DataType.Float)}{Tensor.ShapeString(shape)}: one loop ({_vector})");
            ElementwiseLoop.Emit(target.Line, Fresh, _vector, operands, shape, results);
            _report.Add(node.Name, node.Schema.QualifiedName, NodeOutcome.Lowered, $"fused loop of {body.Nodes.Count} op(s)");
            return;
        }
        string whyEpilogue = "";
        if (FusedEpilogue.TryMatch(body, out whyEpilogue) is { } epi
            && _registry.Find(epi.Anchor.Domain, epi.Anchor.OpType) is IEpilogueLowering anchorLowering)
        {
            Tensor? biasTensor = epi.BiasData is null ? null : Tensor.FromArray(epi.BiasData, epi.BiasData.Length);
            int mark = _weights.Count;
            string? biasPtr = biasTensor is null ? null : _weights.Pointer(_weights.Index(biasTensor, $"epilogue bias of {node.Name}"));
            string? residualPtr = epi.Residual is null ? null : scope.Pointer(epi.Residual);
            var request = epi.Request(biasPtr, biasTensor, residualPtr);
            var ctx = new NodeContext(this, epi.Anchor, scope, request, i => i == 0 ? outer.Pointer(node.Outputs[0]!) : throw new EngineException("cpu backend: an epilogue anchor has one output"));
            string why = ctx.Attempt(anchorLowering, target);
            if (why.Length == 0)
            {
                _report.Add(node.Name, node.Schema.QualifiedName, NodeOutcome.Lowered, $"{anchorLowering.GetType().Name} + epilogue {request}");
                return;
            }
            _weights.Truncate(mark);
            whyEpilogue = $"anchor {epi.Anchor.OpType} declined the epilogue: {why}";
        }
        else if (whyEpilogue.Length == 0)
        {
            whyEpilogue = "the anchor's lowering does not take epilogues";
        }

        target.Comment($"Fused {SafeText.CommentName(kind)} '{SafeText.CommentName(node.Name)}': body node by node ({SafeText.CommentText(whyLoop)}; {SafeText.CommentText(whyEpilogue)})");
        scope.AllocateIntermediates();
        foreach (var n in body.Nodes) EmitNode(n, scope, target);
        for (int k = 0; k < body.Outputs.Count; k++)
        {
            var v = body.Outputs[k];
            if (node.Outputs[k] is not { } o) continue;
            if (scope.WrittenInPlace(v, k)) continue;
            long bytes = ByteSize(o);
            target.Line($"Buffer.MemoryCopy((void*){scope.Pointer(v)}, (void*){outer.Pointer(o)}, {bytes}, {bytes});");
        }
    }

    /// <summary>
    /// Values of a Fused body: its inputs are the node's inputs, its constants are weights, an output
    /// computed by a body node is written straight into the node's output, other intermediates live in scratch.
    /// </summary>
    private sealed class BodyScope(CSharpEmitter e, Node node, Graph.Graph body, ValueScope outer) : ValueScope
    {
        private readonly Dictionary<Value, string> _scratch = new();

        public void AllocateIntermediates()
        {
            foreach (var n in body.Nodes)
            {
                foreach (var o in n.Outputs)
                {
                    if (o is null || OutputIndex(o) >= 0 || _scratch.ContainsKey(o)) continue;
                    long off = Align(e._scratchUsed);
                    e._scratchUsed = off + Math.Max(1, ByteSize(o));
                    e._scratchMax = Math.Max(e._scratchMax, e._scratchUsed);
                    _scratch[o] = $"(({SafeText.ClrName(o.Type.Elem)}*)(scratch + {SafeText.Int(off)}))";
                }
            }
        }

        /// <summary>The first body-output index of a value computed by a body node, else -1.</summary>
        private int OutputIndex(Value v)
        {
            if (v.Producer is null || body.Inputs.Contains(v)) return -1;
            int k = body.Outputs.IndexOf(v);
            return k >= 0 && node.Outputs[k] is not null ? k : -1;
        }

        /// <summary>Body output k already sits in the node's output k.</summary>
        public bool WrittenInPlace(Value v, int k) => OutputIndex(v) == k;

        public override string Pointer(Value v)
        {
            int i = body.Inputs.IndexOf(v);
            if (i >= 0) return outer.Pointer(node.Inputs[i] ?? throw new EngineException($"cpu backend: fused node '{node.Name}': input {i} is absent"));
            if (body.InitializerData(v) is { } t) return e._weights.Pointer(e._weights.Index(t, v.Name));
            int k = OutputIndex(v);
            if (k >= 0) return outer.Pointer(node.Outputs[k]!);
            if (_scratch.TryGetValue(v, out var s)) return s;
            throw new EngineException($"cpu backend: fused node '{node.Name}': body value '{v.Name}' has no place");
        }

        public override Tensor? Constant(Value v)
        {
            int i = body.Inputs.IndexOf(v);
            if (i >= 0) return node.Inputs[i] is { } x ? outer.Constant(x) : null;
            return body.InitializerData(v);
        }

        public override int WeightIndex(Value v)
        {
            int i = body.Inputs.IndexOf(v);
            if (i >= 0) return node.Inputs[i] is { } x ? outer.WeightIndex(x) : -1;
            return body.InitializerData(v) is { } t ? e._weights.Index(t, v.Name) : -1;
        }
    }
}
