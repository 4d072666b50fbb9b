using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Accuracy, macro-averaged precision/recall/F1 and the confusion matrix (rows = true class,
/// columns = predicted). A class never predicted has precision 0 and a class absent from the labels
/// recall 0 (scikit-learn's zero_division=0); macro F1 is the mean of the per-class F1 scores.
/// </summary>
public sealed class ClassificationMetrics
{
    private ClassificationMetrics(long[,] confusion, int total)
    {
        Confusion = confusion;
        int k = confusion.GetLength(0);
        Precision = new double[k];
        Recall = new double[k];
        F1 = new double[k];
        long correct = 0;
        for (int c = 0; c < k; c++)
        {
            long tp = confusion[c, c], predicted = 0, actual = 0;
            for (int j = 0; j < k; j++)
            {
                predicted += confusion[j, c];
                actual += confusion[c, j];
            }
            correct += tp;
            Precision[c] = predicted == 0 ? 0 : (double)tp / predicted;
            Recall[c] = actual == 0 ? 0 : (double)tp / actual;
            F1[c] = Precision[c] + Recall[c] == 0 ? 0 : 2 * Precision[c] * Recall[c] / (Precision[c] + Recall[c]);
        }
        Count = total;
        Accuracy = total == 0 ? 0 : (double)correct / total;
    }

    public long[,] Confusion { get; }

    public int Count { get; }

    public double Accuracy { get; }

    public double[] Precision { get; }

    public double[] Recall { get; }

    public double[] F1 { get; }

    public double MacroPrecision => Precision.Average();

    public double MacroRecall => Recall.Average();

    public double MacroF1 => F1.Average();

    public static ClassificationMetrics From(IReadOnlyList<long> labels, IReadOnlyList<long> predicted, int classes)
    {
        if (labels.Count != predicted.Count) throw new EngineException($"metrics: {labels.Count} labels but {predicted.Count} predictions");
        var m = new long[classes, classes];
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes || predicted[i] < 0 || predicted[i] >= classes)
                throw new EngineException($"metrics: sample {i} has class {labels[i]} / prediction {predicted[i]} outside 0..{classes - 1}");
            m[labels[i], predicted[i]]++;
        }
        return new ClassificationMetrics(m, labels.Count);
    }

    /// <summary>The arg-max class of each row of a [n, classes] float tensor (first maximum on ties).</summary>
    public static long[] ArgMax(Tensor logits)
    {
        if (logits.Rank != 2) throw new EngineException($"metrics: logits should be [n, classes], got {Tensor.ShapeString(logits.Shape)}");
        var d = logits.As<float>();
        int n = logits.Shape[0], k = logits.Shape[1];
        var r = new long[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int c = 1; c < k; c++) if (d[i * k + c] > d[i * k + best]) best = c;
            r[i] = best;
        }
        return r;
    }

    /// <summary>Mean softmax cross-entropy of [n, classes] logits against labels, in double.</summary>
    public static double CrossEntropy(Tensor logits, IReadOnlyList<long> labels)
    {
        var d = logits.As<float>();
        int n = logits.Shape[0], k = logits.Shape[1];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < k; c++) max = Math.Max(max, d[i * k + c]);
            double z = 0;
            for (int c = 0; c < k; c++) z += Math.Exp(d[i * k + c] - max);
            sum += max + Math.Log(z) - d[i * k + labels[i]];
        }
        return n == 0 ? 0 : sum / n;
    }
}
