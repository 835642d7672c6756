"""An FCN-8s port of the Caffe model (wkentaro/pytorch-fcn style): pad 100 in the first conv, score layers,
learnt upsampling, crops at fixed offsets 5, 9 and 31, as in the original."""

import torch.nn as nn


class FCN8s(nn.Module):
    def __init__(self, n_class=21, width=8):
        super().__init__()
        w = width
        self.conv1_1 = nn.Conv2d(3, w, 3, padding=100)
        self.relu1_1 = nn.ReLU(inplace=True)
        self.pool1 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.conv2_1 = nn.Conv2d(w, 2 * w, 3, padding=1)
        self.relu2_1 = nn.ReLU(inplace=True)
        self.pool2 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.conv3_1 = nn.Conv2d(2 * w, 4 * w, 3, padding=1)
        self.relu3_1 = nn.ReLU(inplace=True)
        self.pool3 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.conv4_1 = nn.Conv2d(4 * w, 8 * w, 3, padding=1)
        self.relu4_1 = nn.ReLU(inplace=True)
        self.pool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.conv5_1 = nn.Conv2d(8 * w, 8 * w, 3, padding=1)
        self.relu5_1 = nn.ReLU(inplace=True)
        self.pool5 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.fc6 = nn.Conv2d(8 * w, 16 * w, 7)
        self.relu6 = nn.ReLU(inplace=True)
        self.drop6 = nn.Dropout2d()
        self.fc7 = nn.Conv2d(16 * w, 16 * w, 1)
        self.relu7 = nn.ReLU(inplace=True)
        self.drop7 = nn.Dropout2d()
        self.score_fr = nn.Conv2d(16 * w, n_class, 1)
        self.score_pool3 = nn.Conv2d(4 * w, n_class, 1)
        self.score_pool4 = nn.Conv2d(8 * w, n_class, 1)
        self.upscore2 = nn.ConvTranspose2d(n_class, n_class, 4, stride=2, bias=False)
        self.upscore8 = nn.ConvTranspose2d(n_class, n_class, 16, stride=8, bias=False)
        self.upscore_pool4 = nn.ConvTranspose2d(n_class, n_class, 4, stride=2, bias=False)

    def forward(self, x):
        h = x
        h = self.pool1(self.relu1_1(self.conv1_1(h)))
        h = self.pool2(self.relu2_1(self.conv2_1(h)))
        h = self.pool3(self.relu3_1(self.conv3_1(h)))
        pool3 = h
        h = self.pool4(self.relu4_1(self.conv4_1(h)))
        pool4 = h
        h = self.pool5(self.relu5_1(self.conv5_1(h)))
        h = self.drop6(self.relu6(self.fc6(h)))
        h = self.drop7(self.relu7(self.fc7(h)))
        h = self.score_fr(h)
        h = self.upscore2(h)
        upscore2 = h
        h = self.score_pool4(pool4)
        h = h[:, :, 5 : 5 + upscore2.size()[2], 5 : 5 + upscore2.size()[3]]
        score_pool4c = h
        h = upscore2 + score_pool4c
        h = self.upscore_pool4(h)
        upscore_pool4 = h
        h = self.score_pool3(pool3)
        h = h[:, :, 9 : 9 + upscore_pool4.size()[2], 9 : 9 + upscore_pool4.size()[3]]
        score_pool3c = h
        h = upscore_pool4 + score_pool3c
        h = self.upscore8(h)
        h = h[:, :, 31 : 31 + x.size()[2], 31 : 31 + x.size()[3]].contiguous()
        return h
