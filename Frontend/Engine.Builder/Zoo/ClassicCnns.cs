namespace Engine.Builder.Zoo;

/// <summary>The classic image classifiers of D2L's modern-CNN chapter, sized for small inputs (28×28, 32×32).</summary>
public static class ClassicCnns
{
    /// <summary>Two-layer perceptron: (flatten,) one hidden ReLU layer of 128 × Width, then the classes.</summary>
    public static Model Mlp(ZooOptions o)
    {
        var m = new Sequential(o.InputShape, "mlp");
        if (o.InputShape.Length > 1) m.Add(new Flatten());
        return m.Add(new Dense(o.Scaled(128), "relu")).Add(new Dense(o.Classes));
    }

    /// <summary>LeNet-5 as in D2L (ReLU variant, max pooling): 6 and 16 5×5 filters, 120-84-classes.</summary>
    public static Model LeNet5(ZooOptions o) => new Sequential(o.InputShape, "lenet5")
        .Add(new Conv2D(6, 5, padding: 2, activation: "relu"))
        .Add(new MaxPool2D(2))
        .Add(new Conv2D(16, 5, activation: "relu"))
        .Add(new MaxPool2D(2))
        .Add(new Flatten())
        .Add(new Dense(120, "relu"))
        .Add(new Dense(84, "relu"))
        .Add(new Dense(o.Classes));

    /// <summary>AlexNet-style: wide first conv, three stacked 3×3 convs, two dropout-regularized dense layers.</summary>
    public static Model AlexNet(ZooOptions o) => new Sequential(o.InputShape, "alexnet")
        .Add(new Conv2D(o.Scaled(32), 5, padding: 2, activation: "relu"))
        .Add(new MaxPool2D(2))
        .Add(new Conv2D(o.Scaled(64), 3, padding: 1, activation: "relu"))
        .Add(new MaxPool2D(2))
        .Add(new Conv2D(o.Scaled(96), 3, padding: 1, activation: "relu"))
        .Add(new Conv2D(o.Scaled(96), 3, padding: 1, activation: "relu"))
        .Add(new Conv2D(o.Scaled(64), 3, padding: 1, activation: "relu"))
        .Add(new MaxPool2D(2))
        .Add(new Flatten())
        .Add(new Dense(o.Scaled(256), "relu")).Add(new Dropout(0.5f))
        .Add(new Dense(o.Scaled(256), "relu")).Add(new Dropout(0.5f))
        .Add(new Dense(o.Classes));

    /// <summary>VGG-style: blocks of 3×3 convs (+BN) followed by 2×2 max pooling, doubling width per block.</summary>
    public static Model Vgg(ZooOptions o)
    {
        var m = new Sequential(o.InputShape, "vgg");
        foreach (var (convs, width) in new[] { (1, 32), (2, 64), (2, 128) })
        {
            for (int i = 0; i < convs; i++)
                m.Add(new Conv2D(o.Scaled(width), 3, padding: 1, useBias: false)).Add(new BatchNormalization()).Add(new ReLU());
            m.Add(new MaxPool2D(2));
        }
        return m.Add(new Flatten()).Add(new Dense(o.Scaled(256), "relu")).Add(new Dropout(0.5f)).Add(new Dense(o.Classes));
    }

    /// <summary>Network in Network: conv + two 1×1 convs per block, global average pooling instead of dense layers.</summary>
    public static Model NiN(ZooOptions o)
    {
        var m = new Sequential(o.InputShape, "nin");
        void Block(int width, int kernel, int stride, int pad) => m
            .Add(new Conv2D(width, kernel, stride: stride, padding: pad, activation: "relu"))
            .Add(new Conv2D(width, 1, activation: "relu"))
            .Add(new Conv2D(width, 1, activation: "relu"));
        Block(o.Scaled(48), 5, 1, 2);
        m.Add(new MaxPool2D(3, 2, padding: 1));
        Block(o.Scaled(96), 3, 1, 1);
        m.Add(new MaxPool2D(3, 2, padding: 1)).Add(new Dropout(0.5f));
        Block(o.Classes, 3, 1, 1);
        return m.Add(new GlobalAveragePool());
    }

    /// <summary>GoogLeNet's Inception block: 1×1, 1×1→3×3, 1×1→5×5 and pool→1×1 branches concatenated.</summary>
    public static SymbolicTensor Inception(SymbolicTensor x, int c1, (int, int) c2, (int, int) c3, int c4)
    {
        var b1 = new Conv2D(c1, 1, activation: "relu").Call(x);
        var b2 = new Conv2D(c2.Item2, 3, padding: 1, activation: "relu").Call(new Conv2D(c2.Item1, 1, activation: "relu").Call(x));
        var b3 = new Conv2D(c3.Item2, 5, padding: 2, activation: "relu").Call(new Conv2D(c3.Item1, 1, activation: "relu").Call(x));
        var b4 = new Conv2D(c4, 1, activation: "relu").Call(new MaxPool2D(3, 1, padding: 1).Call(x));
        return new Concatenate().Call(b1, b2, b3, b4);
    }

    /// <summary>A small GoogLeNet: stem conv, two Inception blocks, pooling, a third block, global pooling.</summary>
    public static Model GoogLeNet(ZooOptions o)
    {
        var x = Input.Of(o.InputShape);
        var h = new MaxPool2D(2).Call(new Conv2D(o.Scaled(32), 3, padding: 1, activation: "relu").Call(x));
        h = Inception(h, o.Scaled(16), (o.Scaled(24), o.Scaled(32)), (o.Scaled(4), o.Scaled(8)), o.Scaled(8));
        h = Inception(h, o.Scaled(32), (o.Scaled(32), o.Scaled(48)), (o.Scaled(8), o.Scaled(24)), o.Scaled(16));
        h = new MaxPool2D(3, 2, padding: 1).Call(h);
        h = Inception(h, o.Scaled(48), (o.Scaled(24), o.Scaled(52)), (o.Scaled(4), o.Scaled(12)), o.Scaled(16));
        var y = new Dense(o.Classes).Call(new GlobalAveragePool().Call(h));
        return new Model(x, y, "googlenet");
    }
}
