using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Autodiff.Nn;

/// <summary>
/// Small whole models (the layer mixes the seed models use) differentiated end to end and checked
/// against finite differences, before and after the O3 optimizer runs over forward + backward.
/// </summary>
public class ModelGradientTests
{
    [Fact]
    public void ConvBatchNormPoolClassifierWithCrossEntropy()
    {
        // x [2,2,6,5] → Conv(3, 3×3, pad 1, stride 1) → BatchNorm(training) → Relu → MaxPool(2, stride 2)
        //   → Flatten → Gemm(·, 3) → softmax cross-entropy with label smoothing.
        var inputs = new[]
        {
            GradCheck.Random(1, [2, 2, 6, 5]),
            GradCheck.Random(2, [3, 2, 3, 3]),
            GradCheck.Random(3, [3]),
            GradCheck.Random(4, [3], 0.5, 1.5),
            GradCheck.Random(5, [3]),
            GradCheck.Random(6, [3, 18]),
            GradCheck.Random(7, [3]),
        };
        var labels = Tensor.FromArray(new long[] { 2, 0 }, 2);
        Value Model(GraphBuilder b, Value[] xs)
        {
            var conv = b.Op("Conv", [xs[0], xs[1], xs[2]], ("pads", new long[] { 1, 1, 1, 1 }));
            var mean = b.Const(Tensor.FromArray(new double[3], 3));
            var variance = b.Const(Tensor.FromArray(new[] { 1.0, 1.0, 1.0 }, 3));
            var bn = b.OpN("BatchNormalization", 3, [conv, xs[3], xs[4], mean, variance], ("training_mode", 1L))[0];
            var pool = b.Op("MaxPool", [b.Op("Relu", bn)], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
            var flat = b.Op("Flatten", [pool], ("axis", 1L));
            var logits = b.Op("Gemm", [flat, xs[5], xs[6]], ("transB", 1L));
            return b.Op("ai.engine::SoftmaxCrossEntropyLoss", [logits, b.Const(labels)], ("label_smoothing", 0.1f));
        }
        GradCheck.Run(Model, inputs, new GradCheckOptions { Rtol = 1e-4, Atol = 1e-6, OptimizeLevel = 3 });
    }

    [Fact]
    public void EmbeddingLstmClassifierWithNll()
    {
        // ids [4, 2] → Gather(table [6, 3]) → LSTM(hidden 2) → Y_h → Gemm → LogSoftmax → NLL.
        var inputs = new[]
        {
            GradCheck.Random(11, [6, 3]),
            GradCheck.Random(12, [1, 8, 3], -0.8, 0.8),
            GradCheck.Random(13, [1, 8, 2], -0.8, 0.8),
            GradCheck.Random(14, [3, 2]),
        };
        var ids = Tensor.FromArray(new long[] { 1, 4, 1, 1, 5, 0, 4, 4 }, 4, 2);
        Value Model(GraphBuilder b, Value[] xs)
        {
            var emb = b.Op("Gather", [xs[0], b.Const(ids)], ("axis", 0L));
            var yh = b.OpN("LSTM", 2, [emb, xs[1], xs[2]], ("hidden_size", 2L))[1];
            var logits = b.Op("Gemm", [b.Op("Reshape", yh, b.Ints(2, 2)), xs[3]], ("transB", 1L));
            var logp = b.Op("LogSoftmax", [logits], ("axis", 1L));
            return b.Op("NegativeLogLikelihoodLoss", [logp, b.Const(Tensor.FromArray(new long[] { 2, 1 }, 2))]);
        }
        // The LSTM kernel computes in float32: a larger step and tolerance.
        GradCheck.Run(Model, inputs, new GradCheckOptions { Eps = 1e-3, Rtol = 3e-3, Atol = 3e-3 });
    }
}
