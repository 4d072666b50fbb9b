namespace Engine.Runtime.Kernels;

/// <summary>TreeEnsembleRegressor and TreeEnsembleClassifier (ai.onnx.ml opset 3), as the ONNX reference computes them.</summary>
public static class TreeEnsembleKernels
{
    public static Tensor?[] TreeEnsembleRegressor(KernelContext ctx, Tensor?[] inputs)
    {
        var a = ctx.Attributes;
        long nTargets = a.GetInt("n_targets");
        if (nTargets < 1 || nTargets > Tensor.MaxElements) throw ctx.Fail($"n_targets must be positive, got {nTargets}");
        int t = (int)nTargets;
        var (x, rows, cols) = Input(ctx, inputs);
        var trees = new ClassicTreeEnsemble(ctx, a, "target", t);
        CheckFeatures(ctx, trees, cols);
        MlData.CheckOutputSize(ctx, rows, t);
        string agg = a.GetString("aggregate_function");
        if (agg is not ("SUM" or "AVERAGE" or "MIN" or "MAX")) throw ctx.Fail($"unknown aggregate_function '{agg}'");
        var baseValues = MlData.FloatsOrTensor(a, "base_values");
        if (baseValues is { Length: > 0 } && baseValues.Length != t) throw ctx.Fail($"base_values has {baseValues.Length} values for {t} targets");

        var res = new double[rows * t];
        var voted = new bool[t];
        for (int n = 0; n < rows; n++)
        {
            var row = x.AsSpan(n * cols, cols);
            var outRow = res.AsSpan(n * t, t);
            if (agg == "MIN") outRow.Fill(float.MaxValue);
            else if (agg == "MAX") outRow.Fill(float.MinValue);
            voted.AsSpan().Clear();
            foreach (int root in trees.Roots)
            {
                foreach (var (target, w) in trees.Votes(trees.Leaf(ctx, row, root)))
                {
                    voted[target] = true;
                    outRow[target] = agg switch
                    {
                        "MIN" => Math.Min(outRow[target], w),
                        "MAX" => Math.Max(outRow[target], w),
                        _ => outRow[target] + w,
                    };
                }
            }
            if (agg == "AVERAGE" && trees.Roots.Length > 0)
            {
                for (int k = 0; k < t; k++) outRow[k] /= trees.Roots.Length;
            }
            for (int k = 0; k < t; k++)
            {
                // As ONNX Runtime: a target no reached leaf votes for is 0, without base value.
                if (!voted[k]) outRow[k] = 0;
                else if (baseValues is { Length: > 0 }) outRow[k] += baseValues[k];
            }
        }
        MlPostTransform.Apply(MlPostTransform.Parse(ctx, a.GetString("post_transform")), res, rows, t);
        return [MlData.FromDoubles(DataType.Float, res, [rows, t])];
    }

    /// <summary>
    /// Class scores start at base_values and add every reached leaf's class weights. When all weights
    /// name one class (a binary model storing only the positive score s), the scores become
    /// [1 - s, s] or [-s, s] before the transform, and the label compares s itself against 0.5 or 0, following
    /// ONNX Runtime (the ONNX reference agrees except for NONE models with negative weights). The reference
    /// assumes the votes name class 0; votes naming class 1 are read from there.
    /// </summary>
    public static Tensor?[] TreeEnsembleClassifier(KernelContext ctx, Tensor?[] inputs)
    {
        var a = ctx.Attributes;
        var ints = a.GetIntsOrNull("classlabels_int64s");
        var strs = a.GetStringsOrNull("classlabels_strings");
        if ((ints is null) == (strs is null)) throw ctx.Fail("exactly one of classlabels_int64s and classlabels_strings is required");
        int nClasses = ints?.Length ?? strs!.Length;
        if (nClasses == 0) throw ctx.Fail("there are no class labels");
        var (x, rows, cols) = Input(ctx, inputs);
        var trees = new ClassicTreeEnsemble(ctx, a, "class", nClasses);
        CheckFeatures(ctx, trees, cols);
        var classIds = a.GetIntsOrNull("class_ids") ?? [];
        bool binary = nClasses <= 2 && classIds.Distinct().Count() == 1;
        // The class every weight votes for in the binary case (0 in the reference; a model voting only for class 1 keeps its score there).
        int singleClass = binary ? (int)Math.Clamp(classIds[0], 0, 1) : 0;
        int outCols = binary && nClasses == 1 ? 2 : nClasses;
        if (strs is not null && nClasses == 1) throw ctx.Fail("a single string class label is not supported");
        MlData.CheckOutputSize(ctx, rows, outCols);
        var baseValues = MlData.FloatsOrTensor(a, "base_values");
        if (baseValues is { Length: > 0 } && baseValues.Length != 1 && baseValues.Length != nClasses)
            throw ctx.Fail($"base_values has {baseValues.Length} values for {nClasses} classes");
        var kind = MlPostTransform.Parse(ctx, a.GetString("post_transform"));

        bool allPositive = (MlData.FloatsOrTensor(a, "class_weights") ?? []).All(w => w >= 0);
        var rawBinary = new double[rows];
        var res = new double[rows * outCols];
        for (int n = 0; n < rows; n++)
        {
            var row = x.AsSpan(n * cols, cols);
            var outRow = res.AsSpan(n * outCols, outCols);
            for (int k = 0; k < nClasses; k++) outRow[k] = baseValues is { Length: > 0 } ? baseValues[baseValues.Length == 1 ? 0 : k] : 0;
            foreach (int root in trees.Roots)
            {
                foreach (var (cls, w) in trees.Votes(trees.Leaf(ctx, row, root))) outRow[cls] += w;
            }
            if (binary && outCols >= 2)
            {
                double s = outRow[singleClass];
                rawBinary[n] = s;
                outRow[1] = s;
                // ONNX Runtime: a NONE model with a negative weight is a margin ([-s, s]), otherwise a probability ([1 - s, s]).
                bool complement = kind == MlPostTransformKind.Probit || (kind == MlPostTransformKind.None && allPositive);
                outRow[0] = complement ? 1 - s : -s;
            }
        }
        MlPostTransform.Apply(kind, res, rows, outCols);

        var labels = new int[rows];
        for (int n = 0; n < rows; n++)
        {
            if (binary)
            {
                // ONNX Runtime decides binary labels on the raw score: above 0.5 for probabilities, above 0 for margins.
                labels[n] = rawBinary[n] > (allPositive ? 0.5 : 0) ? 1 : 0;
                continue;
            }
            int best = 0;
            for (int c = 1; c < outCols; c++)
            {
                if (res[n * outCols + c] > res[n * outCols + best]) best = c;
            }
            labels[n] = best;
        }
        Tensor y = ints is not null
            ? Tensor.FromArray(labels.Select(i => nClasses == 1 ? (i == 1 ? ints[0] : 0L) : ints[i]).ToArray(), rows)
            : Tensor.FromArray(labels.Select(i => strs![i]).ToArray(), rows);
        return [y, MlData.FromDoubles(DataType.Float, res, [rows, outCols])];
    }

    private static (double[] X, int Rows, int Cols) Input(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var (rows, cols) = MlData.RowsCols(ctx, x);
        return (MlData.Numbers(ctx, x), rows, cols);
    }

    private static void CheckFeatures(KernelContext ctx, ClassicTreeEnsemble trees, int cols)
    {
        int need = trees.RequiredFeatures();
        if (need > cols) throw ctx.Fail($"the trees read feature {need - 1} but X has {cols} features");
    }
}
