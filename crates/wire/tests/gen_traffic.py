# Synthetic traffic pcap (Ethernet/IPv4|IPv6/TCP|UDP|ICMP) written with struct: fast, no deps.
import struct, random, ipaddress
random.seed(7)
def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b)); s=(s>>16)+(s&0xffff); s+=s>>16
    return (~s)&0xffff
out=open('traffic.pcap','wb')
out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
t=1700000000.0
n=0
for i in range(3000):
    v6 = i % 5 == 0
    k = i % 3
    for j in range(1 + i % 3):
        payload=b'x'*(10+(i*7+j)%400)
        if k==0:
            flags=[0x02,0x12,0x10,0x18,0x11][i%5]
            l4=struct.pack('!HHIIBBHHH',1024+i%60000,80,1000+j,0,5<<4,flags,65535,0,0)+payload; proto=6
        elif k==1 or v6:
            sp,dp=(2000+i%60000,53) if k==1 else (5000+i%60000,123)
            l4=struct.pack('!HHHH',sp,dp,8+len(payload),0)+payload; proto=17
        else:
            l4=struct.pack('!BBHHH',8,0,0,i,j)+payload; proto=1
        if v6:
            src=ipaddress.IPv6Address('2001:db8::%x'%(i%300+1)).packed; dst=ipaddress.IPv6Address('2001:db8:1::%x'%(i%50+1)).packed
            ip=struct.pack('!IHBB',(6<<28)|(((i%4)*32)<<20),len(l4),proto,64)+src+dst; et=0x86dd
        else:
            src=bytes([10,i%7,(i//7)%250,i%200+1]); dst=bytes([192,0,2,i%250+1])
            h=struct.pack('!BBHHHBBH4s4s',0x45,(i%4)*32,20+len(l4),i&0xffff,0,64,proto,0,src,dst)
            ip=h[:10]+struct.pack('!H',csum(h))+h[12:]; et=0x0800
        fr=b'\x02\0\0\0\0\x02'+b'\x02\0\0\0\0\x01'+struct.pack('!H',et)+ip+l4
        sec=int(t); us=int((t-sec)*1e6)
        out.write(struct.pack('<IIII',sec,us,len(fr),len(fr))+fr)
        t+=0.003+(i%10)*0.0001; n+=1
print(n)
