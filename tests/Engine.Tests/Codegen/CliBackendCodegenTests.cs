using Engine.Cli;
using Engine.Tests.Support;

namespace Engine.Tests.Codegen;

/// <summary><c>engine run --backend cpu</c> writes the same outputs as the reference backend.</summary>
[Collection("Console")]
public class CliBackendCodegenTests
{
    [Fact]
    public void RunWithCpuBackendMatchesReferenceOnMnist()
    {
        var mnist = Paths.SharedPath("models", "mnist");
        var set = Path.Combine(mnist, "test_data_set_0");
        var root = Path.Combine(Path.GetTempPath(), "engine-codegen-cli-" + Guid.NewGuid().ToString("N"));
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(new StringWriter());
            Console.SetError(new StringWriter());
            Assert.Equal(ExitCodes.Ok, Program.Main(["run", Path.Combine(mnist, "model.onnx"), "--input-dir", set, "--output-dir", Path.Combine(root, "cpu"), "--backend", "cpu"]));
            Assert.Equal(ExitCodes.Ok, Program.Main(["run", Path.Combine(mnist, "model.onnx"), "--input-dir", set, "--output-dir", Path.Combine(root, "ref")]));
            Assert.Equal(ExitCodes.BadInput, Program.Main(["run", Path.Combine(mnist, "model.onnx"), "--input-dir", set, "--output-dir", Path.Combine(root, "x"), "--backend", "tpu"]));
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
        var cpu = Engine.Onnx.TensorProtoConverter.ReadFile(Path.Combine(root, "cpu", "output_0.pb")).Tensor;
        var reference = Engine.Onnx.TensorProtoConverter.ReadFile(Path.Combine(root, "ref", "output_0.pb")).Tensor;
        Assert.Null(Engine.Onnx.Conformance.OutputComparer.Compare(reference, cpu, 1e-4, 1e-5));
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void CompileReportsLoweredAndFallbackNodesArenaAndCompileTime()
    {
        var mnist = Path.Combine(Paths.SharedPath("models", "mnist"), "model.onnx");
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var output = new StringWriter();
        int code, bad;
        try
        {
            Console.SetOut(output);
            Console.SetError(new StringWriter());
            code = Program.Main(["compile", mnist, "--report", "--threads", "1", "--vector", "avx2"]);
            bad = Program.Main(["compile", mnist, "--vector", "sse9"]);
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(ExitCodes.BadInput, bad);
        var text = output.ToString();
        Assert.Contains("reference-kernel fallback(s); loops Vector256, 1 thread(s)", text);
        Assert.Contains("liveness lower bound", text);
        Assert.Contains("ratio 1.0", text);
        Assert.Contains("ms (cache", text);
        Assert.Contains("MatMulLowering", text);   // the Gemm row of --report
        Assert.Contains("elided", text);           // the Reshape before it
    }
}
