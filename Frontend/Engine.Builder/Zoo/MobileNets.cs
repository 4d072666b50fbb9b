namespace Engine.Builder.Zoo;

/// <summary>MobileNet v1/v2 and EfficientNet-B0-style MBConv with squeeze-excitation, for small inputs.</summary>
public static class MobileNets
{
    private static SymbolicTensor ConvBn(SymbolicTensor x, int c, int k, int s, int groups = 1, string? act = "relu6")
    {
        var y = new BatchNormalization().Call(new Conv2D(c, k, stride: s, padding: (k - 1) / 2, groups: groups, useBias: false).Call(x));
        return act is null ? y : new Activation(act).Call(y);
    }

    /// <summary>MobileNet v1: depthwise-separable blocks (3×3 depthwise + 1×1 pointwise, each BN-ReLU).</summary>
    public static Model V1(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        var h = ConvBn(x, o.Scaled(32), 3, 1, act: "relu");
        foreach (var (c, s) in new[] { (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2) })
        {
            h = ConvBn(h, (int)h.Dim(1), 3, s, groups: (int)h.Dim(1), act: "relu");
            h = ConvBn(h, o.Scaled(c), 1, 1, act: "relu");
        }
        var y = new Dense(o.Classes).Call(new GlobalAveragePool().Call(h));
        return new Model(x, y, "mobilenet_v1");
    }

    /// <summary>Inverted residual: 1×1 expansion, 3×3 depthwise, linear 1×1 bottleneck; identity shortcut when shapes allow.</summary>
    public static SymbolicTensor InvertedResidual(SymbolicTensor x, int outChannels, int stride, int expand)
    {
        int cin = (int)x.Dim(1), hidden = cin * expand;
        var y = expand == 1 ? x : ConvBn(x, hidden, 1, 1);
        y = ConvBn(y, hidden, 3, stride, groups: hidden);
        y = ConvBn(y, outChannels, 1, 1, act: null);
        return stride == 1 && cin == outChannels ? new Add().Call(x, y) : y;
    }

    public static Model V2(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        var h = ConvBn(x, o.Scaled(32), 3, 1);
        foreach (var (t, c, n, s) in new[] { (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 2, 2), (6, 96, 1, 1) })
            for (int i = 0; i < n; i++) h = InvertedResidual(h, o.Scaled(c), i == 0 ? s : 1, t);
        h = ConvBn(h, o.Scaled(320), 1, 1);
        var y = new Dense(o.Classes).Call(new Dropout(0.2f).Call(new GlobalAveragePool().Call(h)));
        return new Model(x, y, "mobilenet_v2");
    }

    /// <summary>Squeeze-excitation: global pool → reduce → SiLU → expand → sigmoid gate per channel.</summary>
    public static SymbolicTensor SqueezeExcite(SymbolicTensor x, int reduced)
    {
        var s = new GlobalAveragePool(keepDims: true).Call(x);
        s = new Conv2D(reduced, 1, activation: "silu").Call(s);
        s = new Conv2D((int)x.Dim(1), 1, activation: "sigmoid").Call(s);
        return new Multiply().Call(x, s);
    }

    /// <summary>EfficientNet's MBConv: expansion, depthwise k×k, squeeze-excitation (ratio 0.25 of the input), linear projection, residual.</summary>
    public static SymbolicTensor MBConv(SymbolicTensor x, int outChannels, int kernel, int stride, int expand)
    {
        int cin = (int)x.Dim(1), hidden = cin * expand;
        var y = expand == 1 ? x : ConvBn(x, hidden, 1, 1, act: "silu");
        y = ConvBn(y, hidden, kernel, stride, groups: hidden, act: "silu");
        y = SqueezeExcite(y, Math.Max(1, cin / 4));
        y = ConvBn(y, outChannels, 1, 1, act: null);
        return stride == 1 && cin == outChannels ? new Add().Call(x, y) : y;
    }

    /// <summary>EfficientNet-B0-style: stem, MBConv stages (expand 1 then 6; 3×3 and 5×5 kernels), head conv, pool.</summary>
    public static Model EfficientNet(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        var h = ConvBn(x, o.Scaled(32), 3, 1, act: "silu");
        foreach (var (e, c, n, k, s) in new[] { (1, 16, 1, 3, 1), (6, 24, 2, 3, 2), (6, 40, 2, 5, 2), (6, 80, 2, 3, 2), (6, 112, 1, 5, 1) })
            for (int i = 0; i < n; i++) h = MBConv(h, o.Scaled(c), k, i == 0 ? s : 1, e);
        h = ConvBn(h, o.Scaled(320), 1, 1, act: "silu");
        var y = new Dense(o.Classes).Call(new Dropout(0.2f).Call(new GlobalAveragePool().Call(h)));
        return new Model(x, y, "efficientnet");
    }
}
