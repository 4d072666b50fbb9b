namespace Engine.Runtime.Kernels;

/// <summary>The score transforms of the ml ops. The integer order is TreeEnsemble-5's enum.</summary>
public enum MlPostTransformKind
{
    None = 0,
    Softmax = 1,
    Logistic = 2,
    SoftmaxZero = 3,
    Probit = 4,
}

/// <summary>
/// Applies a post_transform to a row-major [rows, cols] score matrix in place, with the formulas of the
/// ONNX reference (and ONNX Runtime): a sign-stable logistic, max-shifted softmax, SOFTMAX_ZERO that leaves
/// zero scores out of the exponentials, and PROBIT through the same closed-form erf⁻¹ approximation.
/// </summary>
public static class MlPostTransform
{
    public static MlPostTransformKind Parse(KernelContext ctx, string name) => name switch
    {
        "NONE" => MlPostTransformKind.None,
        "SOFTMAX" => MlPostTransformKind.Softmax,
        "LOGISTIC" => MlPostTransformKind.Logistic,
        "SOFTMAX_ZERO" => MlPostTransformKind.SoftmaxZero,
        "PROBIT" => MlPostTransformKind.Probit,
        _ => throw ctx.Fail($"unknown post_transform '{name}'"),
    };

    public static MlPostTransformKind FromInt(KernelContext ctx, long value) =>
        value is >= 0 and <= 4 ? (MlPostTransformKind)value : throw ctx.Fail($"post_transform must be 0..4, got {value}");

    public static void Apply(MlPostTransformKind kind, double[] scores, int rows, int cols)
    {
        switch (kind)
        {
            case MlPostTransformKind.None:
                return;
            case MlPostTransformKind.Logistic:
                for (int i = 0; i < scores.Length; i++) scores[i] = Logistic(scores[i]);
                return;
            case MlPostTransformKind.Probit:
                for (int i = 0; i < scores.Length; i++) scores[i] = Probit(scores[i]);
                return;
            case MlPostTransformKind.Softmax:
                for (int r = 0; r < rows; r++) Softmax(scores.AsSpan(r * cols, cols));
                return;
            case MlPostTransformKind.SoftmaxZero:
                for (int r = 0; r < rows; r++) SoftmaxZero(scores.AsSpan(r * cols, cols));
                return;
        }
    }

    public static double Logistic(double v)
    {
        double e = 1.0 / (1.0 + Math.Exp(-Math.Abs(v)));
        return v < 0 ? 1.0 - e : e;
    }

    public static double Probit(double v) => 1.41421356 * ErfInv(v * 2 - 1);

    /// <summary>Winitzki's approximation (a = 0.147), the one ONNX's reference and ORT use for PROBIT.</summary>
    public static double ErfInv(double x)
    {
        double sign = x < 0 ? -1.0 : 1.0;
        double w = (1.0 - x) * (1.0 + x);
        if (w == 0) return 0;
        double log = Math.Log(w);
        double v = 2.0 / (Math.PI * 0.147) + 0.5 * log;
        double v2 = 1.0 / 0.147 * log;
        return sign * Math.Sqrt(-v + Math.Sqrt(v * v - v2));
    }

    private static void Softmax(Span<double> row)
    {
        if (row.Length == 0) return;
        double max = double.NegativeInfinity;
        foreach (double v in row) max = Math.Max(max, v);
        double sum = 0;
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = Math.Exp(row[i] - max);
            sum += row[i];
        }
        for (int i = 0; i < row.Length; i++) row[i] /= sum;
    }

    /// <summary>Softmax where exact-zero scores stay (near) zero instead of getting exp(0 - max) mass.</summary>
    private static void SoftmaxZero(Span<double> row)
    {
        if (row.Length == 0) return;
        double max = double.NegativeInfinity;
        foreach (double v in row) max = Math.Max(max, v);
        double expNegMax = Math.Exp(-max);
        double sum = 0;
        for (int i = 0; i < row.Length; i++)
        {
            double v = row[i];
            row[i] = v > 1e-7 || v < -1e-7 ? Math.Exp(v - max) : v * expNegMax;
            sum += row[i];
        }
        if (sum == 0)
        {
            row.Fill(0.5);
            return;
        }
        for (int i = 0; i < row.Length; i++) row[i] /= sum;
    }
}
