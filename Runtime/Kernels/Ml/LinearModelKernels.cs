namespace Engine.Runtime.Kernels;

/// <summary>LinearRegressor and LinearClassifier: scores = X·Wᵀ + b per row, then a post_transform.</summary>
public static class LinearModelKernels
{
    public static Tensor?[] LinearRegressor(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var a = ctx.Attributes;
        long targets = a.GetInt("targets");
        if (targets < 1) throw ctx.Fail($"targets must be positive, got {targets}");
        var (rows, cols) = MlData.RowsCols(ctx, x);
        var coef = a.GetFloatsOrNull("coefficients") ?? throw ctx.Fail("coefficients are required");
        if (coef.Length != targets * cols) throw ctx.Fail($"coefficients has {coef.Length} values, expected targets*features = {targets * cols}");
        var scores = Scores(ctx, x, rows, cols, coef, (int)targets, a.GetFloatsOrNull("intercepts"));
        MlPostTransform.Apply(MlPostTransform.Parse(ctx, a.GetString("post_transform")), scores, rows, (int)targets);
        return [MlData.FromDoubles(DataType.Float, scores, [rows, (int)targets])];
    }

    /// <summary>
    /// One coefficient row with two class labels is a binary model (see below); several score columns pick the argmax label; a single column compares against 0
    /// (NONE) or 0.5 (any probability transform) and yields the last label when positive, else the first
    /// (or 0 / "" when only one label is given).
    /// </summary>
    public static Tensor?[] LinearClassifier(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var a = ctx.Attributes;
        var (rows, cols) = MlData.RowsCols(ctx, x);
        var coef = a.GetFloatsOrNull("coefficients") ?? throw ctx.Fail("coefficients are required");
        if (cols == 0 || coef.Length % cols != 0) throw ctx.Fail($"coefficients ({coef.Length}) is not a multiple of the {cols} features");
        int e = coef.Length / cols;
        var ints = a.GetIntsOrNull("classlabels_ints");
        var strs = a.GetStringsOrNull("classlabels_strings");
        if ((ints is null) == (strs is null)) throw ctx.Fail("exactly one of classlabels_ints and classlabels_strings is required");
        int nClasses = ints?.Length ?? strs!.Length;
        var scores = Scores(ctx, x, rows, cols, coef, e, a.GetFloatsOrNull("intercepts"));
        int outCols = e;
        var kind = MlPostTransform.Parse(ctx, a.GetString("post_transform"));
        double[]? raw = null;
        if (e == 1 && nClasses == 2)
        {
            // Binary: [1 - s, s] for NONE/PROBIT (ONNX Runtime), [-s, s] under the other transforms; the label is s > 0.
            raw = scores;
            var two = new double[rows * 2];
            for (int n = 0; n < rows; n++)
            {
                two[2 * n] = kind is MlPostTransformKind.None or MlPostTransformKind.Probit ? 1 - scores[n] : -scores[n];
                two[2 * n + 1] = scores[n];
            }
            scores = two;
            outCols = 2;
        }
        else if (outCols > 1 && outCols != nClasses)
        {
            throw ctx.Fail($"{outCols} score columns but {nClasses} class labels");
        }
        MlPostTransform.Apply(kind, scores, rows, outCols);

        var labelIndex = new int[rows];
        for (int n = 0; n < rows; n++)
        {
            if (raw is not null)
            {
                labelIndex[n] = raw[n] > 0 ? 1 : 0;
            }
            else if (outCols > 1)
            {
                int best = 0;
                for (int c = 1; c < outCols; c++)
                {
                    if (scores[n * outCols + c] > scores[n * outCols + best]) best = c;
                }
                labelIndex[n] = best;
            }
            else
            {
                double threshold = kind == MlPostTransformKind.None ? 0 : 0.5;
                bool positive = outCols == 1 && scores[n] >= threshold;
                labelIndex[n] = positive ? nClasses - 1 : nClasses >= 2 ? 0 : -1;
            }
        }
        Tensor y = ints is not null
            ? Tensor.FromArray(labelIndex.Select(i => i < 0 ? 0L : ints[i]).ToArray(), rows)
            : Tensor.FromArray(labelIndex.Select(i => i < 0 ? "" : strs![i]).ToArray(), rows);
        return [y, MlData.FromDoubles(DataType.Float, scores, [rows, outCols])];
    }

    private static double[] Scores(KernelContext ctx, Tensor x, int rows, int cols, float[] coef, int outputs, float[]? intercepts)
    {
        if (intercepts is not null && intercepts.Length != 0 && intercepts.Length != outputs)
            throw ctx.Fail($"intercepts has {intercepts.Length} values for {outputs} outputs");
        MlData.CheckOutputSize(ctx, rows, outputs);
        var v = MlData.Numbers(ctx, x);
        var s = new double[rows * outputs];
        for (int n = 0; n < rows; n++)
        {
            for (int t = 0; t < outputs; t++)
            {
                double acc = intercepts is { Length: > 0 } ? intercepts[t] : 0;
                for (int c = 0; c < cols; c++) acc += v[n * cols + c] * coef[t * cols + c];
                s[n * outputs + t] = acc;
            }
        }
        return s;
    }
}
