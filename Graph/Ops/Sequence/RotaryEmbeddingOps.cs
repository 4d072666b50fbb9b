using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>RotaryEmbedding (RoPE), opset 23.</summary>
public sealed class RotaryEmbeddingOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("RotaryEmbedding").Since(23).In("X", "cos_cache", "sin_cache", "position_ids?").Out("Y")
            .Attr("interleaved", 0L)
            .Attr("num_heads", 0L)
            .Attr("rotary_embedding_dim", 0L)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                if (x.HasRank && x.Rank is not (3 or 4)) throw ctx.Fail($"X must be rank 3 or 4, got {x}");
                if (x.Rank == 3 && ctx.Attributes.GetInt("num_heads") <= 0) throw ctx.Fail("3-D input needs the num_heads attribute");
                ctx.SetOutput(0, x);
            })
            .WithKernel(RotaryEmbeddingKernels.RotaryEmbedding)
            .Fuses(FusionKind.Opaque);
    }
}
