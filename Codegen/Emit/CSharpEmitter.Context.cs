using Engine.Codegen.Lowering;
using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen;

public sealed partial class CSharpEmitter
{
    /// <summary>
    /// The <see cref="LoweringContext"/> of one node. Code, members, weights and scratch a lowering asks
    /// for are kept aside and committed only when it succeeds, so a declining lowering leaves no trace.
    /// </summary>
    private sealed class NodeContext : LoweringContext
    {
        private readonly CSharpEmitter _e;
        private readonly Node _node;
        private readonly ValueScope _scope;
        private readonly EpilogueRequest? _epilogue;
        private readonly Func<int, string>? _outputs;
        private readonly CodeBuffer _code = new();
        private readonly List<string> _members = new();

        public NodeContext(CSharpEmitter e, Node node, ValueScope scope, EpilogueRequest? epilogue, Func<int, string>? outputs)
        {
            _e = e;
            _node = node;
            _scope = scope;
            _epilogue = epilogue;
            _outputs = outputs;
        }

        /// <summary>Runs the lowering; returns "" when it emitted code (now in <paramref name="target"/>), else the reason.</summary>
        public string Attempt(ICpuLowering lowering, CodeBuffer target)
        {
            int weights = _e._weights.Count;
            long scratch = _e._scratchUsed, scratchMax = _e._scratchMax;
            string? reason;
            try
            {
                reason = lowering.TryEmit(this);
            }
            catch (Exception ex) when (ex is not (OutOfMemoryException or StackOverflowException))
            {
                reason = $"lowering {lowering.GetType().Name} failed: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}";
            }
            if (reason is null)
            {
                target.Comment($"{SafeText.CommentName(_node.OpType)} '{SafeText.CommentName(_node.Name)}' -> {Describe()}{(_epilogue is null ? "" : " + epilogue " + _epilogue)}");
                target.Line("{");
                target.Append(_code);
                target.Line("}");
                _e._members.AddRange(_members);
                return "";
            }
            _e._weights.Truncate(weights);
            _e._scratchUsed = scratch;
            _e._scratchMax = scratchMax;
            return reason.Length == 0 ? "the lowering declined" : reason;
        }

        private string Describe() =>
            string.Join(", ", Enumerable.Range(0, OutputCount).Where(HasOutput).Select(i => DataTypes.ShortName(OutType(i)) + Tensor.ShapeString(OutShape(i))));

        private Value InValue(int i) => HasInput(i) ? _node.Inputs[i]! : throw new EngineException($"cpu backend: node '{_node.Name}': input {i} is absent");

        private Value OutValue(int i) => i < _node.Outputs.Count && _node.Outputs[i] is { } o ? o : throw new EngineException($"cpu backend: node '{_node.Name}': output {i} is absent");

        public override Node Node => _node;

        public override AttributeMap Attributes => _node.Attributes;

        public override CodegenOptions Options => _e._options;

        public override VectorPath Vector => _e._vector;

        public override int InputCount => _node.Inputs.Count;

        public override bool HasInput(int i) => i >= 0 && i < _node.Inputs.Count && _node.Inputs[i] is not null;

        public override bool HasOutput(int i) => i >= 0 && i < _node.Outputs.Count && _node.Outputs[i] is not null;

        public override DataType InType(int i) => InValue(i).Type.Elem;

        public override int[] InShape(int i) => InValue(i).Type.StaticShape();

        public override Tensor? Constant(int i) => HasInput(i) ? _scope.Constant(_node.Inputs[i]!) : null;

        public override int OutputCount => _node.Outputs.Count;

        public override DataType OutType(int i) => OutValue(i).Type.Elem;

        public override int[] OutShape(int i) => OutValue(i).Type.StaticShape();

        public override string In(int i) => _scope.Pointer(InValue(i));

        public override string Out(int i) => _outputs is not null ? _outputs(i) : _scope.Pointer(OutValue(i));

        public override bool Aliased(int output, int input) => HasInput(input) && Out(output) == In(input);

        public override string Weights(Tensor t) => _e._weights.Pointer(_e._weights.Index(t, $"data of node {_node.Name}"));

        public override string Scratch(long bytes)
        {
            if (bytes < 0) throw new EngineException($"cpu backend: node '{_node.Name}' asked for negative scratch");
            long off = Align(_e._scratchUsed);
            _e._scratchUsed = off + bytes;
            _e._scratchMax = Math.Max(_e._scratchMax, _e._scratchUsed);
            return off == 0 ? "scratch" : $"(scratch + {SafeText.Int(off)})";
        }

        public override string Threads => "_threads";

        public override EpilogueRequest? Epilogue => _epilogue;

        public override string Fresh(string hint) => _e.Fresh(hint);

        public override void Line(string code) => _code.Line(code);

        public override void Comment(string text) => _code.Comment(text);

        public override void Member(string code) => _members.Add(code);
    }
}
