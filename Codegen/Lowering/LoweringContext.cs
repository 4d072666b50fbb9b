using Engine.Graph;
using Engine.Runtime;

namespace Engine.Codegen.Lowering;

/// <summary>
/// What a lowering sees of one node while the emitter writes <c>Run</c> (the contract is in
/// Codegen/README.md). Every expression it hands out is C# valid inside <c>Run</c> of the generated
/// class (an <c>unsafe</c> method); model text never appears in them.
/// </summary>
public abstract class LoweringContext
{
    /// <summary>The node being lowered (inside a Fused body: the body's node).</summary>
    public abstract Node Node { get; }

    /// <summary>The node's attributes, schema defaults applied.</summary>
    public abstract AttributeMap Attributes { get; }

    public abstract CodegenOptions Options { get; }

    /// <summary>The resolved vector path: Vector512, Vector256 or Scalar (never Auto).</summary>
    public abstract VectorPath Vector { get; }

    public abstract int InputCount { get; }

    /// <summary>False for an absent optional input (empty name in ONNX).</summary>
    public abstract bool HasInput(int i);

    public abstract DataType InType(int i);

    public abstract int[] InShape(int i);

    /// <summary>Compile-time data when input i is an initializer (of the graph or of the Fused body), else null.</summary>
    public abstract Tensor? Constant(int i);

    public abstract int OutputCount { get; }

    /// <summary>False for an absent optional output.</summary>
    public abstract bool HasOutput(int i);

    public abstract DataType OutType(int i);

    public abstract int[] OutShape(int i);

    /// <summary>C# expression of type <c>T*</c> (T = CLR element type of input i), valid inside Run.</summary>
    public abstract string In(int i);

    /// <summary>C# expression of type <c>T*</c> for output i (its planned bytes: arena, or the caller's output buffer).</summary>
    public abstract string Out(int i);

    /// <summary>True when the memory plan put output <paramref name="output"/> in the same bytes as input <paramref name="input"/>.</summary>
    public abstract bool Aliased(int output, int input);

    /// <summary>
    /// Compile-time data (e.g. weights packed at compile time) as an expression of type <c>T*</c>, valid for
    /// the model's lifetime, 64-byte aligned. The tensor becomes part of the model's weights (AOT: the weights file).
    /// Calling it twice with the same Tensor object returns the same expression.
    /// </summary>
    public abstract string Weights(Tensor t);

    /// <summary>
    /// Per-run scratch of <paramref name="bytes"/> bytes as an expression of type <c>byte*</c>, 64-byte aligned,
    /// overlapping no live tensor and no other Scratch of this node. Contents are undefined on entry.
    /// </summary>
    public abstract string Scratch(long bytes);

    /// <summary>C# expression of type int: this model's thread count (pass it to ParallelFor / the Compute primitives).</summary>
    public abstract string Threads { get; }

    /// <summary>
    /// Multiply-adds one extra thread must have to pay for itself: waking a worker and joining it costs a few
    /// microseconds, about what a core needs for this many FMAs, so smaller ops run on the caller alone
    /// (measured on LeNet-5 at batch 1: its 117k- and 240k-MAC convolutions ran slower on 2 threads than on 1).
    /// </summary>
    public const long MinWorkPerThread = 1L << 18;

    /// <summary>The threads an op of <paramref name="work"/> multiply-adds (known at compile time) should use, at most the model's.</summary>
    public int ThreadCountFor(long work) => (int)Math.Clamp(work / MinWorkPerThread, 1, Math.Max(1, Options.Threads));

    /// <summary>C# expression of type int for <see cref="ThreadCountFor"/>: the model's thread count when the op can use them all.</summary>
    public string ThreadsFor(long work)
    {
        int t = ThreadCountFor(work);
        return t >= Math.Max(1, Options.Threads) ? Threads : IntLiteral(t);
    }

    /// <summary>Set only for an <see cref="IEpilogueLowering"/> anchoring a fused group: the tail to apply to its output.</summary>
    public abstract EpilogueRequest? Epilogue { get; }

    /// <summary>A new identifier unique within the generated class; <paramref name="hint"/> is reduced to [A-Za-z0-9_].</summary>
    public abstract string Fresh(string hint);

    /// <summary>
    /// Appends one statement line to Run. Indentation follows braces: a line starting with '}' closes a level,
    /// one ending with '{' opens one. Never put model text in it (use <see cref="Comment"/>).
    /// </summary>
    public abstract void Line(string code);

    /// <summary>A <c>//</c> comment line; the text is sanitized (safe for model names).</summary>
    public abstract void Comment(string text);

    /// <summary>
    /// Adds a class-level member (a nested struct implementing IParallelBody, a static helper …) to the
    /// generated class. Use <see cref="Fresh"/> for its name.
    /// </summary>
    public abstract void Member(string code);

    /// <summary>The CLR element type name of input i / output i (e.g. "float").</summary>
    public string InClr(int i) => ClrType(InType(i));

    public string OutClr(int i) => ClrType(OutType(i));

    /// <summary>The C# type name of a tensor element of <paramref name="t"/> (storage type: bf16 → ushort, fp16 → System.Half).</summary>
    public static string ClrType(DataType t) => SafeText.ClrName(t);

    /// <summary>A float literal that round-trips exactly (NaN/∞ included).</summary>
    public static string FloatLiteral(float f) => SafeText.Float(f);

    /// <summary>An integer literal (invariant culture).</summary>
    public static string IntLiteral(long v) => SafeText.Int(v);

    /// <summary><c>new int[] { … }</c> (allocates when executed: use in constructors/members, not in Run).</summary>
    public static string IntArrayLiteral(IEnumerable<int> values) => SafeText.IntArray(values);

    /// <summary>Number of elements of input i / output i.</summary>
    public long InLength(int i) => Tensor.ElementCount(InShape(i));

    public long OutLength(int i) => Tensor.ElementCount(OutShape(i));
}
