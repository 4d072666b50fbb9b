namespace Engine.Runtime.Kernels;

/// <summary>
/// The validated, normalised inputs of RNN/GRU/LSTM: everything in sequence-major layout
/// ([seq, batch, …], [dir, batch, …]) as float32, whatever the node's 'layout' and element type.
/// </summary>
internal sealed class RecurrentSetup
{
    public required DataType Type { get; init; }
    public required int Seq { get; init; }
    public required int Batch { get; init; }
    public required int Input { get; init; }
    public required int Hidden { get; init; }
    public required int Directions { get; init; }
    public required int Gates { get; init; }
    public required bool BatchMajor { get; init; }

    /// <summary>"forward", "reverse" or "bidirectional".</summary>
    public required string Direction { get; init; }

    /// <summary>[seq, batch, input].</summary>
    public required float[] X { get; init; }

    /// <summary>[dir, gates·hidden, input].</summary>
    public required float[] W { get; init; }

    /// <summary>[dir, gates·hidden, hidden].</summary>
    public required float[] R { get; init; }

    /// <summary>[dir, 2·gates·hidden] (Wb then Rb); zeros when absent.</summary>
    public required float[] B { get; init; }

    /// <summary>Valid steps of each batch entry.</summary>
    public required int[] SeqLens { get; init; }

    /// <summary>[dir, batch, hidden]; zeros when absent.</summary>
    public required float[] InitialH { get; init; }

    /// <summary>Clip threshold for gate pre-activations, or +inf.</summary>
    public required float Clip { get; init; }

    public int GH => Gates * Hidden;

    /// <summary>True when direction <paramref name="d"/> runs from the last step to the first.</summary>
    public bool IsReverse(int d) => Direction == "reverse" || (Direction == "bidirectional" && d == 1);

    public float ClipValue(float x) => x < -Clip ? -Clip : x > Clip ? Clip : x;

    public static RecurrentSetup Create(KernelContext ctx, Tensor?[] inputs, int gates)
    {
        var x = Need(ctx, inputs, 0, "X");
        var w = Need(ctx, inputs, 1, "W");
        var r = Need(ctx, inputs, 2, "R");
        if (!FloatData.Supports(x.Type)) throw ctx.Fail($"X must be a floating-point tensor, got {x}");
        foreach (var (t, n) in new[] { (w, "W"), (r, "R") })
        {
            if (t.Type != x.Type) throw ctx.Fail($"{n} is {DataTypes.ShortName(t.Type)} but X is {DataTypes.ShortName(x.Type)}");
        }
        if (x.Rank != 3 || w.Rank != 3 || r.Rank != 3)
            throw ctx.Fail($"X, W and R must be rank 3, got {x}, {w}, {r}");
        long layout = ctx.Attributes.GetInt("layout");
        if (layout is not (0 or 1)) throw ctx.Fail($"layout must be 0 or 1, got {layout}");
        bool batchMajor = layout == 1;
        int seq = batchMajor ? x.Shape[1] : x.Shape[0];
        int batch = batchMajor ? x.Shape[0] : x.Shape[1];
        int input = x.Shape[2];
        string direction = ctx.Attributes.GetString("direction");
        int dirs = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw ctx.Fail($"direction must be forward, reverse or bidirectional, got '{direction}'"),
        };
        int hidden = r.Shape[2];
        if (ctx.Attributes.Get("hidden_size") is long hs && hs != hidden)
            throw ctx.Fail($"hidden_size is {hs} but R has shape {Tensor.ShapeString(r.Shape)}");
        if (w.Shape[0] != dirs || w.Shape[1] != gates * hidden || w.Shape[2] != input)
            throw ctx.Fail($"W has shape {Tensor.ShapeString(w.Shape)}, expected [{dirs},{gates * hidden},{input}]");
        if (r.Shape[0] != dirs || r.Shape[1] != gates * hidden)
            throw ctx.Fail($"R has shape {Tensor.ShapeString(r.Shape)}, expected [{dirs},{gates * hidden},{hidden}]");

        var xs = FloatData.Read(x);
        if (batchMajor) xs = SwapFirstTwo(xs, batch, seq, input);

        float[] b;
        if (inputs.Length > 3 && inputs[3] is { } bt)
        {
            if (bt.Type != x.Type || bt.Rank != 2 || bt.Shape[0] != dirs || bt.Shape[1] != 2 * gates * hidden)
                throw ctx.Fail($"B is {bt}, expected {DataTypes.ShortName(x.Type)}[{dirs},{2 * gates * hidden}]");
            b = FloatData.Read(bt);
        }
        else
        {
            b = new float[dirs * 2 * gates * hidden];
        }

        var lens = new int[batch];
        if (inputs.Length > 4 && inputs[4] is { } sl)
        {
            if (sl.Rank != 1 || sl.Shape[0] != batch || !DataTypes.IsInteger(sl.Type))
                throw ctx.Fail($"sequence_lens is {sl}, expected an integer tensor of shape [{batch}]");
            var v = sl.ToInt64Array();
            for (int i = 0; i < batch; i++)
            {
                if (v[i] < 0 || v[i] > seq) throw ctx.Fail($"sequence_lens[{i}] = {v[i]} is outside [0, {seq}]");
                lens[i] = (int)v[i];
            }
        }
        else
        {
            Array.Fill(lens, seq);
        }

        var h0 = InitialState(ctx, inputs, 5, "initial_h", x.Type, dirs, batch, hidden, batchMajor);
        float clip = ctx.Attributes.Has("clip") ? ctx.Attributes.GetFloat("clip") : float.PositiveInfinity;
        if (!(clip > 0)) throw ctx.Fail($"clip must be positive, got {clip}");
        return new RecurrentSetup
        {
            Type = x.Type,
            Seq = seq,
            Batch = batch,
            Input = input,
            Hidden = hidden,
            Directions = dirs,
            Gates = gates,
            BatchMajor = batchMajor,
            Direction = direction,
            X = xs,
            W = FloatData.Read(w),
            R = FloatData.Read(r),
            B = b,
            SeqLens = lens,
            InitialH = h0,
            Clip = clip,
        };
    }

    /// <summary>initial_h / initial_c as [dir, batch, hidden]; zeros when absent.</summary>
    public static float[] InitialState(KernelContext ctx, Tensor?[] inputs, int index, string name, DataType type,
        int dirs, int batch, int hidden, bool batchMajor)
    {
        if (inputs.Length <= index || inputs[index] is not { } t) return new float[dirs * batch * hidden];
        int[] want = batchMajor ? [batch, dirs, hidden] : [dirs, batch, hidden];
        if (t.Type != type || !t.Shape.AsSpan().SequenceEqual(want))
            throw ctx.Fail($"{name} is {t}, expected {DataTypes.ShortName(type)}{Tensor.ShapeString(want)}");
        var data = FloatData.Read(t);
        return batchMajor ? SwapFirstTwo(data, batch, dirs, hidden) : data;
    }

    /// <summary>[a, b, n] → [b, a, n].</summary>
    public static float[] SwapFirstTwo(float[] src, int a, int b, int n)
    {
        var dst = new float[src.Length];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++) Array.Copy(src, (i * b + j) * n, dst, (j * a + i) * n, n);
        }
        return dst;
    }

    /// <summary>
    /// X·Wᵀ for every step and batch entry of direction <paramref name="d"/>, all gates at once:
    /// [seq·batch, gates·hidden], plus Wb and, for gates listed in <paramref name="addRb"/>, Rb.
    /// </summary>
    public float[] InputProjection(int d, Func<int, bool> addRb, int threads)
    {
        int gh = GH;
        int rows = Seq * Batch;
        var xw = new float[rows * gh];
        Sgemm.Gemm(false, true, rows, gh, Input, 1f, X, Input, W.AsSpan(d * gh * Input, gh * Input), Input, 0f, xw, gh, threads);
        var bias = new float[gh];
        var bd = B.AsSpan(d * 2 * gh, 2 * gh);
        for (int j = 0; j < gh; j++) bias[j] = bd[j] + (addRb(j / Hidden) ? bd[gh + j] : 0f);
        for (int row = 0; row < rows; row++)
        {
            var dst = xw.AsSpan(row * gh, gh);
            System.Numerics.Tensors.TensorPrimitives.Add(dst, bias, dst);
        }
        return xw;
    }

    /// <summary>Rb of direction d, gate g.</summary>
    public ReadOnlySpan<float> RecurrentBias(int d, int gate) => B.AsSpan(d * 2 * GH + GH + gate * Hidden, Hidden);

    /// <summary>Y in the node's layout from sequence-major [seq, dir, batch, hidden].</summary>
    public Tensor OutputY(float[] y)
    {
        if (!BatchMajor) return FloatData.Write(Type, y, [Seq, Directions, Batch, Hidden]);
        // [seq, dir, batch, h] → [batch, seq, dir, h]
        var dst = new float[y.Length];
        for (int t = 0; t < Seq; t++)
        {
            for (int d = 0; d < Directions; d++)
            {
                for (int b = 0; b < Batch; b++)
                    Array.Copy(y, ((t * Directions + d) * Batch + b) * Hidden, dst, ((b * Seq + t) * Directions + d) * Hidden, Hidden);
            }
        }
        return FloatData.Write(Type, dst, [Batch, Seq, Directions, Hidden]);
    }

    /// <summary>Y_h / Y_c in the node's layout from [dir, batch, hidden].</summary>
    public Tensor OutputState(float[] s) => BatchMajor
        ? FloatData.Write(Type, SwapFirstTwo(s, Directions, Batch, Hidden), [Batch, Directions, Hidden])
        : FloatData.Write(Type, s, [Directions, Batch, Hidden]);

    private static Tensor Need(KernelContext ctx, Tensor?[] inputs, int i, string name) =>
        (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input {name} is required");
}
