namespace Engine.Runtime.Kernels;

/// <summary>
/// NonMaxSuppression: per batch and class, greedy selection by descending score (ties keep the
/// lower box index first), dropping boxes whose IoU with a selected box exceeds the threshold.
/// </summary>
public static class NonMaxSuppressionKernels
{
    public static Tensor?[] NonMaxSuppression(KernelContext ctx, Tensor?[] inputs)
    {
        var boxesT = (inputs.Length > 0 ? inputs[0] : null) ?? throw ctx.Fail("input 'boxes' is required");
        var scoresT = (inputs.Length > 1 ? inputs[1] : null) ?? throw ctx.Fail("input 'scores' is required");
        if (boxesT.Rank != 3 || boxesT.Shape[2] != 4) throw ctx.Fail($"boxes must be [batch, boxes, 4], got {Tensor.ShapeString(boxesT.Shape)}");
        if (scoresT.Rank != 3 || scoresT.Shape[0] != boxesT.Shape[0] || scoresT.Shape[2] != boxesT.Shape[1])
            throw ctx.Fail($"scores {Tensor.ShapeString(scoresT.Shape)} do not match boxes {Tensor.ShapeString(boxesT.Shape)}");
        long maxOut = Optional(inputs, 2) is { } m ? (m.Length == 0 ? 0 : m.ToInt64Array()[0]) : 0;
        double iouThreshold = Optional(inputs, 3) is { } it && it.Length > 0 ? it.ToDoubleArray()[0] : 0;
        double? scoreThreshold = Optional(inputs, 4) is { } st && st.Length > 0 ? st.ToDoubleArray()[0] : null;
        bool center = ctx.Attributes.GetInt("center_point_box") != 0;
        int batches = boxesT.Shape[0], nBoxes = boxesT.Shape[1], classes = scoresT.Shape[1];
        var boxes = boxesT.ToDoubleArray();
        var scores = scoresT.ToDoubleArray();
        var result = new List<long>();
        if (maxOut > 0)
        {
            var corners = new double[boxes.Length];
            for (int i = 0; i < boxes.Length / 4; i++) ToCorners(boxes, corners, i, center);
            var order = new List<int>(nBoxes);
            var selected = new List<int>();
            for (int b = 0; b < batches; b++)
            {
                for (int c = 0; c < classes; c++)
                {
                    int sBase = (b * classes + c) * nBoxes;
                    order.Clear();
                    for (int i = 0; i < nBoxes; i++)
                    {
                        if (scoreThreshold is not { } thr || scores[sBase + i] > thr) order.Add(i);
                    }
                    order.Sort((p, q) => scores[sBase + q].CompareTo(scores[sBase + p]) is var cmp && cmp != 0 ? cmp : p.CompareTo(q));
                    selected.Clear();
                    foreach (int i in order)
                    {
                        if (selected.Count >= maxOut) break;
                        bool keep = true;
                        foreach (int j in selected)
                        {
                            if (Iou(corners, b * nBoxes + i, b * nBoxes + j) > iouThreshold) { keep = false; break; }
                        }
                        if (!keep) continue;
                        selected.Add(i);
                        result.Add(b);
                        result.Add(c);
                        result.Add(i);
                    }
                }
            }
        }
        return [new Tensor(DataType.Int64, [result.Count / 3, 3], result.ToArray())];
    }

    private static Tensor? Optional(Tensor?[] inputs, int i) => i < inputs.Length ? inputs[i] : null;

    /// <summary>Normalises a box to (ymin, xmin, ymax, xmax); corners may come in either order.</summary>
    private static void ToCorners(double[] src, double[] dst, int i, bool center)
    {
        int o = i * 4;
        double y1, x1, y2, x2;
        if (center)
        {
            double xc = src[o], yc = src[o + 1], w = src[o + 2], h = src[o + 3];
            x1 = xc - w / 2; x2 = xc + w / 2; y1 = yc - h / 2; y2 = yc + h / 2;
        }
        else
        {
            y1 = src[o]; x1 = src[o + 1]; y2 = src[o + 2]; x2 = src[o + 3];
        }
        dst[o] = Math.Min(y1, y2);
        dst[o + 1] = Math.Min(x1, x2);
        dst[o + 2] = Math.Max(y1, y2);
        dst[o + 3] = Math.Max(x1, x2);
    }

    private static double Iou(double[] c, int a, int b)
    {
        int p = a * 4, q = b * 4;
        double areaA = (c[p + 2] - c[p]) * (c[p + 3] - c[p + 1]);
        double areaB = (c[q + 2] - c[q]) * (c[q + 3] - c[q + 1]);
        if (areaA <= 0 || areaB <= 0) return 0;
        double ih = Math.Min(c[p + 2], c[q + 2]) - Math.Max(c[p], c[q]);
        double iw = Math.Min(c[p + 3], c[q + 3]) - Math.Max(c[p + 1], c[q + 1]);
        if (ih <= 0 || iw <= 0) return 0;
        double inter = ih * iw;
        return inter / (areaA + areaB - inter);
    }
}
